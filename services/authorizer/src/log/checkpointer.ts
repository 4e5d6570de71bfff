import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { currentKey, type KeyRing } from "@vis/grants";
import {
  CHECKPOINT_STREAM,
  CHECKPOINT_SUBJECT,
  type SignedCheckpoint,
  signCheckpoint,
} from "@vis/grants/log";
import { type Checkpoint, CheckpointSchema } from "@vis/proto/vis/access/v1/log_pb";
import type { Logger } from "@vis/telemetry";
import type { LogFollower } from "./follower.ts";

export const toSigned = (c: Checkpoint): SignedCheckpoint => ({
  origin: c.origin,
  size: Number(c.size),
  rootHash: c.rootHash,
  time: c.time === undefined ? "" : new Date(timestampMs(c.time)).toISOString(),
  kid: c.kid,
  signature: c.signature,
});

export const fromSigned = (s: SignedCheckpoint): Checkpoint =>
  create(CheckpointSchema, {
    origin: s.origin,
    size: BigInt(s.size),
    rootHash: s.rootHash,
    time: timestampFromDate(new Date(s.time)),
    kid: s.kid,
    signature: s.signature,
  });

/**
 * Every `everyMs`, when the log grew, signs a checkpoint (size, Merkle root, time) with the
 * current key and appends it to the checkpoint stream (`Nats-Msg-Id` = `cp-<size>`, so several
 * instances store one per size). Keeps every checkpoint it has seen, by size.
 */
export class Checkpointer {
  readonly bySize = new Map<number, Checkpoint>();
  private timer: NodeJS.Timeout | undefined;
  private latestSize = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly follower: LogFollower,
    private readonly ring: () => KeyRing,
    private readonly logger: Logger,
  ) {}

  async start(everyMs: number): Promise<void> {
    const consumer = await this.js.consumers.get(CHECKPOINT_STREAM, {
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await consumer.consume({ max_messages: 1000 });
    void (async () => {
      for await (const m of messages) {
        try {
          const c = fromBinary(CheckpointSchema, m.data);
          this.bySize.set(Number(c.size), c);
          this.latestSize = Math.max(this.latestSize, Number(c.size));
        } catch (err) {
          this.logger.error({ err, seq: m.seq }, "undecodable checkpoint");
        }
      }
    })();
    this.closeMessages = () =>
      messages.close().then(
        () => undefined,
        () => undefined,
      );
    this.timer = setInterval(
      () =>
        void this.tick().catch((err: unknown) => this.logger.warn({ err }, "checkpoint failed")),
      everyMs,
    );
    this.timer.unref();
  }

  private closeMessages: () => Promise<void> = async () => undefined;

  /** Signs and stores a checkpoint of the current tree if it grew; returns it (or the latest). */
  async tick(): Promise<Checkpoint | undefined> {
    const size = this.follower.tree.size;
    if (size === 0 || size <= this.latestSize) return this.latest();
    const key = currentKey(this.ring());
    if (key === undefined) return this.latest();
    const signed = signCheckpoint(key, size, this.follower.tree.root(size), new Date());
    const c = fromSigned(signed);
    await this.js.publish(CHECKPOINT_SUBJECT, toBinary(CheckpointSchema, c), {
      msgID: `cp-${size}`,
      expect: { streamName: CHECKPOINT_STREAM },
    });
    if (!this.bySize.has(size)) this.bySize.set(size, c);
    this.latestSize = Math.max(this.latestSize, size);
    return this.latest();
  }

  latest(): Checkpoint | undefined {
    return this.bySize.get(this.latestSize);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.closeMessages();
  }
}
