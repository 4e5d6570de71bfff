import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { VisError } from "@vis/errors";
import { type Hash, LOG_STREAM, LOG_SUBJECT, leafHash, ZERO_HASH } from "@vis/grants/log";
import { type LogEntry, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";

/** The body of an entry: one of the `LogEntry.body` cases. */
export type EntryBody = MessageInitShape<typeof LogEntrySchema>["body"];

export interface Appended {
  readonly index: number;
  readonly entry: LogEntry;
  readonly bytes: Uint8Array;
  /** True when an entry with this id was already in the log (this call stored nothing). */
  readonly duplicate: boolean;
}

interface Pending {
  readonly id: string;
  readonly time: number;
  readonly body: EntryBody;
  readonly deadline: number;
  attempts: number;
  resolve(a: Appended): void;
  reject(e: unknown): void;
}

const WRONG_LAST_SEQUENCE = 10071;

/**
 * Appends entries to the registration log. Each entry carries its index and the previous entry's
 * leaf hash; JetStream's expected-last-sequence check keeps the chain linear even with several
 * authorizer instances, and `Nats-Msg-Id` = entry id makes a retried append land once. Appends are
 * batched: a batch is chained locally and published back to back; anything not acknowledged is
 * re-chained from the stream's real tail and retried with the same id until its deadline.
 */
export class LogWriter {
  private tail: { next: number; prev: Hash } | undefined;
  private readonly queue: Pending[] = [];
  private pumping = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: () => Promise<JetStreamManager>,
    private readonly instance: string,
    private readonly options: {
      timeoutMs: number;
      batch?: number;
      onAppended?: (a: Appended) => void;
    },
  ) {}

  append(id: string, body: EntryBody, time = Date.now()): Promise<Appended> {
    return new Promise<Appended>((resolve, reject) => {
      this.queue.push({
        id,
        time,
        body,
        deadline: Date.now() + this.options.timeoutMs * 4,
        attempts: 0,
        resolve,
        reject,
      });
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let round = 0; this.queue.length > 0 && round < 1_000_000; round++) {
        const batch = this.queue.splice(0, this.options.batch ?? 64);
        const failed = await this.publishBatch(batch);
        if (failed.length > 0) {
          this.tail = undefined;
          const retry: Pending[] = [];
          for (const { p, err } of failed) {
            if (Date.now() > p.deadline || !retriable(err)) {
              p.reject(
                err instanceof VisError
                  ? err
                  : new VisError(
                      "unavailable",
                      `registration log append ${p.id} failed: ${String((err as Error)?.message ?? err)}`,
                      { cause: err },
                    ),
              );
            } else retry.push(p);
          }
          this.queue.unshift(...retry);
          if (retry.length > 0)
            await sleep(Math.min(50 * 2 ** Math.min(retry[0]?.attempts ?? 0, 6), 2000));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async publishBatch(batch: Pending[]): Promise<{ p: Pending; err: unknown }[]> {
    try {
      this.tail ??= await this.readTail();
    } catch (err) {
      for (const p of batch) p.attempts++;
      return batch.map((p) => ({ p, err }));
    }
    const tail = this.tail;
    const built = batch.map((p) => {
      const entry = create(LogEntrySchema, {
        index: BigInt(tail.next),
        prevLeafHash: tail.prev,
        id: p.id,
        time: timestampFromMs(p.time),
        instance: this.instance,
        body: p.body,
      });
      const bytes = toBinary(LogEntrySchema, entry);
      const expected = tail.next;
      tail.next++;
      tail.prev = leafHash(bytes);
      return { p, entry, bytes, expected };
    });
    const results = await Promise.allSettled(
      built.map((b) =>
        this.js.publish(LOG_SUBJECT, b.bytes, {
          msgID: b.p.id,
          timeout: this.options.timeoutMs,
          expect: { streamName: LOG_STREAM, lastSequence: b.expected },
        }),
      ),
    );
    const failed: { p: Pending; err: unknown }[] = [];
    let chainBroken = false;
    for (const [i, r] of results.entries()) {
      const b = built[i] as (typeof built)[number];
      b.p.attempts++;
      if (r.status === "rejected") {
        chainBroken = true;
        failed.push({ p: b.p, err: r.reason });
        continue;
      }
      const ack = r.value;
      if (ack.duplicate) {
        // Stored before (a retry after a lost ack, or another instance): return what is stored.
        chainBroken = true;
        try {
          const stored = await (await this.jsm()).streams.getMessage(LOG_STREAM, { seq: ack.seq });
          if (stored === null)
            throw new Error(`log entry ${ack.seq - 1} reported stored but not found`);
          const entry = fromBinary(LogEntrySchema, stored.data);
          const appended = { index: ack.seq - 1, entry, bytes: stored.data, duplicate: true };
          b.p.resolve(appended);
        } catch (err) {
          failed.push({ p: b.p, err });
        }
        continue;
      }
      if (ack.seq !== b.expected + 1 || chainBroken) {
        // Cannot happen with the expected-last-sequence check; re-read the tail to be safe.
        chainBroken = true;
      }
      const appended = { index: ack.seq - 1, entry: b.entry, bytes: b.bytes, duplicate: false };
      this.options.onAppended?.(appended);
      b.p.resolve(appended);
    }
    if (chainBroken && failed.length === 0) this.tail = undefined;
    return failed;
  }

  /** The next index and the last entry's leaf hash, from the stream itself. */
  private async readTail(): Promise<{ next: number; prev: Hash }> {
    const jsm = await this.jsm();
    const info = await jsm.streams.info(LOG_STREAM);
    const last = info.state.last_seq;
    if (last === 0) return { next: 0, prev: ZERO_HASH };
    const msg = await jsm.streams.getMessage(LOG_STREAM, { seq: last });
    if (msg === null) throw new Error(`last log entry ${last - 1} not found`);
    return { next: last, prev: leafHash(msg.data) };
  }
}

function retriable(err: unknown): boolean {
  if (err instanceof JetStreamApiError)
    return err.code === WRONG_LAST_SEQUENCE || err.status === 503;
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
