import { fromBinary } from "@bufbuild/protobuf";
import {
  AckPolicy,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Bus } from "@vis/bus";
import { RecordSchema } from "@vis/proto/vis/registry/v1/record_pb";
import type { Logger } from "@vis/telemetry";
import { chunks } from "./chunks.ts";
import { publishRecordEvent } from "./events.ts";
import { BUCKET, bucketStream, KINDS, type Kind } from "./kinds.ts";

const DURABLE = "registry-events";
const BATCH = 500;

/**
 * Turns every revision in the record into its event on VIS_REGISTRY: a durable consumer per bucket
 * stream, acknowledged only after the event's publish is acknowledged. A registry killed between a
 * write and its event publishes the event when it comes back (the record is the outbox); the
 * `<entity>:<id>:<version>` msgId makes a repeat a no-op.
 */
export class EventRelay {
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly instanceId: string,
  ) {}

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.bus.connection, { checkAPI: false });
    for (const kind of KINDS) {
      await jsm.consumers.add(bucketStream(kind), {
        durable_name: DURABLE,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(60_000),
        max_ack_pending: 4 * BATCH,
        max_deliver: -1,
      });
    }
    this.loops = KINDS.map((k) => this.run(k));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  /** Publishes the chunk's events; acks those published, naks the rest (redelivered soon). */
  private async publish(kind: Kind, prefix: string, msgs: JsMsg[]): Promise<void> {
    const results = await Promise.allSettled(
      msgs.map(async (m) => {
        if (m.headers?.get("KV-Operation")) return; // DEL / PURGE: nothing to announce
        const record = fromBinary(RecordSchema, m.data);
        await publishRecordEvent(
          this.bus,
          kind,
          m.subject.slice(prefix.length),
          m.seq,
          record,
          this.instanceId,
        );
      }),
    );
    let failed: unknown;
    msgs.forEach((m, i) => {
      const r = results[i];
      if (r?.status === "fulfilled") m.ack();
      else {
        failed ??= r?.reason;
        m.nak(500);
      }
    });
    if (failed) throw failed;
  }

  private async run(kind: Kind): Promise<void> {
    const js = jetstream(this.bus.connection);
    const prefix = `$KV.${BUCKET[kind]}.`;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        const consumer = await js.consumers.get(bucketStream(kind), DURABLE);
        const messages = await consumer.consume({ max_messages: BATCH * 2 });
        try {
          for await (const msgs of chunks(messages, BATCH, 5000, this.stopping.signal)) {
            if (msgs.length > 0) await this.publish(kind, prefix, msgs);
            failures = 0;
          }
        } finally {
          await messages.close().catch(() => undefined);
        }
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        failures++;
        this.logger.warn({ err, kind, event: "event_relay_retry" }, "registry events: retrying");
        await sleep(Math.min(5000, 200 * 2 ** Math.min(failures, 5)), this.stopping.signal);
      }
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}
