import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { RecordSchema } from "@vis/proto/vis/registry/v1/record_pb";
import type { Logger } from "@vis/telemetry";
import type { Redis } from "ioredis";
import { chunks } from "../record/chunks.ts";
import { sleep } from "../record/event-relay.ts";
import { BUCKET, bucketStream, entityOf, KINDS, type Kind, publicForm } from "../record/kinds.ts";
import { encodeDoc, indexKeys, key } from "./indexes.ts";

/**
 * Applies a chunk of changes only if the projection is where the projector believes it is
 * (KEYS[1] = checkpoint = ARGV[1]); then sets the checkpoint to ARGV[2] and the generation (KEYS[2])
 * to ARGV[3], a value never used before — so a Redis that lost writes and replays them cannot meet
 * a cached search of its previous life. ARGV[4..] are commands, each as <argc> <command> <args…>. One script = one atomic step in the AOF,
 * so after a Redis crash the data and its checkpoint still agree.
 */
const APPLY = `
local cur = redis.call('GET', KEYS[1]) or '0'
if cur ~= ARGV[1] then return cur end
local i = 4
local n = #ARGV
while i <= n do
  local c = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + c))
  i = i + c + 1
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 'ok'
`;

const CHUNK = 500;

/**
 * Keeps the Redis projection (documents + indexes) in step with the durable record. Each kind is
 * read from its bucket stream by an ordered consumer starting after the checkpoint stored in Redis
 * itself, so a Redis that lost its last second of writes (kill -9) is caught up from where its own
 * data ends, and an emptied Redis is rebuilt from the start.
 */
export class Projector {
  private stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly applied = new Map<Kind, number>();
  private readonly waiters = new Map<Kind, { seq: number; done: () => void }[]>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopping = new AbortController();
    this.loops = KINDS.map((k) => this.run(k, this.stopping.signal));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  /** Resolves true once `seq` of `kind` is projected, false after `timeoutMs`. */
  waitFor(kind: Kind, seq: number, timeoutMs: number): Promise<boolean> {
    if ((this.applied.get(kind) ?? 0) >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const list = this.waiters.get(kind) ?? [];
      const w = {
        seq,
        done: () => {
          clearTimeout(t);
          resolve(true);
        },
      };
      const t = setTimeout(() => {
        const l = this.waiters.get(kind);
        if (l)
          this.waiters.set(
            kind,
            l.filter((x) => x !== w),
          );
        resolve(false);
      }, timeoutMs);
      list.push(w);
      this.waiters.set(kind, list);
    });
  }

  /** Empties the projection and projects the whole record again; resolves when caught up. */
  async rebuild(timeoutMs: number): Promise<void> {
    await this.stop();
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", "reg:*", "COUNT", 2000);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== "0");
    this.applied.clear();
    this.start();
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    await Promise.all(
      KINDS.map(async (k) => {
        const info = await jsm.streams.info(bucketStream(k));
        if (!(await this.waitFor(k, info.state.last_seq, timeoutMs)))
          throw new Error(`projection of ${k} did not catch up within ${timeoutMs} ms`);
      }),
    );
  }

  private setApplied(kind: Kind, seq: number): void {
    this.applied.set(kind, seq);
    const list = this.waiters.get(kind);
    if (!list?.length) return;
    const keep = list.filter((w) => w.seq > seq);
    for (const w of list) if (w.seq <= seq) w.done();
    this.waiters.set(kind, keep);
  }

  private async run(kind: Kind, signal: AbortSignal): Promise<void> {
    const js = jetstream(this.nc);
    let failures = 0;
    while (!signal.aborted) {
      try {
        let ckpt = Number((await this.redis.get(key.ckpt(kind))) ?? "0");
        this.setApplied(kind, ckpt);
        const consumer = await js.consumers.get(bucketStream(kind), {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: ckpt + 1,
        });
        const messages = await consumer.consume({ max_messages: CHUNK * 2 });
        try {
          let checked = Date.now();
          for await (const msgs of chunks(messages, CHUNK, 1000, signal)) {
            if (msgs.length === 0 || Date.now() - checked > 2000) {
              // Make sure Redis still holds what we projected (it may have restarted and lost some).
              checked = Date.now();
              if (Number((await this.redis.get(key.ckpt(kind))) ?? "0") !== ckpt) break;
              if (msgs.length === 0) continue;
            }
            const last = msgs[msgs.length - 1]?.seq ?? ckpt;
            if (!(await this.apply(kind, msgs, ckpt, last))) break;
            ckpt = last;
            this.setApplied(kind, ckpt);
            failures = 0;
          }
        } finally {
          await messages.close().catch(() => undefined);
        }
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.logger.warn({ err, kind, event: "projection_retry" }, "projection: retrying");
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
      }
    }
  }

  /** Projects `msgs` (in order) if the checkpoint is still `expected`; false when it was not. */
  private async apply(kind: Kind, msgs: JsMsg[], expected: number, last: number): Promise<boolean> {
    const prefix = `$KV.${BUCKET[kind]}.`;
    const ids = [...new Set(msgs.map((m) => m.subject.slice(prefix.length)))];
    const old = await this.redis.mget(ids.map((id) => key.mem(kind, id)));
    const mem = new Map<string, string[]>();
    ids.forEach((id, i) => {
      const v = old[i];
      mem.set(id, v ? v.split("\n") : []);
    });
    const ops: (string | Buffer)[] = [];
    const op = (...args: (string | Buffer)[]) => ops.push(String(args.length), ...args);
    for (const m of msgs) {
      const id = m.subject.slice(prefix.length);
      const before = mem.get(id) ?? [];
      const entity = m.headers?.get("KV-Operation")
        ? undefined
        : entityOf(kind, fromBinary(RecordSchema, m.data));
      const after = entity ? indexKeys(kind, publicForm(kind, entity, m.seq)) : [];
      const now = new Set(after);
      const was = new Set(before);
      for (const k of before) if (!now.has(k)) op("ZREM", k, id);
      for (const k of after) if (!was.has(k)) op("ZADD", k, "0", id);
      if (entity) {
        op("SET", key.doc(kind, id), Buffer.from(encodeDoc(kind, publicForm(kind, entity, m.seq))));
        op("SET", key.mem(kind, id), after.join("\n"));
      } else {
        op("DEL", key.doc(kind, id), key.mem(kind, id));
      }
      mem.set(id, after);
    }
    const gen = `${kind}.${last}.${randomBytes(6).toString("hex")}`;
    const result = await this.redis.eval(
      APPLY,
      2,
      key.ckpt(kind),
      key.gen,
      String(expected),
      String(last),
      gen,
      ...ops,
    );
    if (result === "ok") return true;
    this.logger.warn(
      { event: "projection_resync", kind, expected, found: result },
      "projection checkpoint moved (Redis restarted or another projector); re-reading from Redis",
    );
    return false;
  }
}
