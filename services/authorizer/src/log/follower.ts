import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { LOG_STREAM, leafHash, MerkleLog } from "@vis/grants/log";
import { LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import type { Logger } from "@vis/telemetry";
import type { Projection } from "../state/projection.ts";

/**
 * Reads the registration log from its first entry and keeps following it: every entry becomes a
 * leaf of the in-memory Merkle tree, and entries the Redis projection has not applied yet are
 * applied (so a wiped Redis is rebuilt from the log). Runs in every instance.
 */
export class LogFollower {
  readonly tree = new MerkleLog();
  private stopped = false;
  private waiters: { size: number; resolve: () => void }[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly projection: Projection,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const applied = await this.projection.appliedIndex();
    const consumer = await this.js.consumers.get(LOG_STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: 1,
    });
    const messages = await consumer.consume({ max_messages: 1000 });
    this.loop = (async () => {
      let lastSaved = applied;
      for await (const m of messages) {
        if (this.stopped) break;
        const index = m.seq - 1;
        if (index !== this.tree.size) {
          this.logger.error(
            { event: "log_gap", index, expected: this.tree.size },
            "registration log read out of order",
          );
          continue;
        }
        this.tree.append(leafHash(m.data));
        if (index > applied && this.projection.takeAppliedHere(index)) {
          if (index - lastSaved >= 100 || m.info.pending === 0) {
            await this.projection.setApplied(index).catch(() => undefined);
            lastSaved = index;
          }
        } else if (index > applied) {
          // The projection must not skip an entry: retry until Redis takes it (or we stop).
          const entry = fromBinary(LogEntrySchema, m.data);
          for (let attempt = 0; !this.stopped; attempt++) {
            try {
              await this.projection.apply(index, entry);
              break;
            } catch (err) {
              if (attempt === 0)
                this.logger.warn({ err, index }, "projection write failed; retrying");
              await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
            }
          }
          if (index - lastSaved >= 100 || m.info.pending === 0) {
            await this.projection.setApplied(index).catch(() => undefined);
            lastSaved = index;
          }
        }
        this.waiters = this.waiters.filter((w) => {
          if (this.tree.size >= w.size) w.resolve();
          return this.tree.size < w.size;
        });
      }
    })();
    this.stopFn = async () => {
      this.stopped = true;
      await messages.close().catch(() => undefined);
      await this.loop;
    };
  }

  private stopFn: () => Promise<void> = async () => undefined;

  /** Resolves once the tree holds at least `size` entries, or after `timeoutMs`. */
  waitFor(size: number, timeoutMs: number): Promise<boolean> {
    if (this.tree.size >= size) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push({
        size,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  stop(): Promise<void> {
    return this.stopFn();
  }
}
