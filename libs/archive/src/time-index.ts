import { parseSegmentKey, type SegmentRef } from "./segment.ts";
import type { SegmentStore } from "./segment-store.ts";

/** The few Redis commands the index uses (an ioredis client satisfies it). */
export interface IndexRedis {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
  zrevrangebyscore(
    key: string,
    max: number | string,
    min: number | string,
    limit: "LIMIT",
    offset: number,
    count: number,
  ): Promise<string[]>;
  del(key: string): Promise<unknown>;
  hset(key: string, field: string, value: string, field2: string, value2: string): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
}

/** Where a camera's manifest was last seen to end: its last record and last linked segment. */
export interface HeadHint {
  readonly seq: number;
  /** Key of the last `segment` record at or before `seq` ("" when none). */
  readonly segmentKey: string;
}

/**
 * Time index per camera: a Redis sorted set (score = start ms, member = segment key). Redis holds
 * nothing that is not in the store: `rebuild` lists the store and writes the set again.
 */
export class TimeIndex {
  readonly #redis: IndexRedis;
  readonly #prefix: string;

  constructor(redis: IndexRedis, prefix = "vis:archive:idx:") {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async add(ref: SegmentRef): Promise<void> {
    await this.#redis.zadd(this.#prefix + ref.camera, ref.startMs, ref.key);
  }

  async remove(ref: SegmentRef): Promise<void> {
    await this.#redis.zrem(this.#prefix + ref.camera, ref.key);
  }

  /** Segments overlapping [fromMs, toMs): the one starting at or before `fromMs`, then the rest. */
  async range(camera: string, fromMs: number, toMs: number): Promise<SegmentRef[]> {
    const set = this.#prefix + camera;
    const [before, inside] = await Promise.all([
      this.#redis.zrevrangebyscore(set, fromMs, "-inf", "LIMIT", 0, 1),
      this.#redis.zrangebyscore(set, `(${fromMs}`, `(${toMs}`),
    ]);
    const out: SegmentRef[] = [];
    for (const key of [...before, ...inside]) {
      const ref = parseSegmentKey(key);
      if (ref !== undefined && ref.endMs > fromMs && ref.startMs < toMs) out.push(ref);
    }
    return out;
  }

  /** Every indexed segment of a camera, in time order. */
  async all(camera: string): Promise<SegmentRef[]> {
    const keys = await this.#redis.zrangebyscore(this.#prefix + camera, "-inf", "+inf");
    return keys.map(parseSegmentKey).filter((r): r is SegmentRef => r !== undefined);
  }

  /** The camera's latest indexed segment (where recording left off), without reading the rest. */
  async last(camera: string): Promise<SegmentRef | undefined> {
    const [key] = await this.#redis.zrevrangebyscore(
      this.#prefix + camera,
      "+inf",
      "-inf",
      "LIMIT",
      0,
      1,
    );
    return key === undefined ? undefined : parseSegmentKey(key);
  }

  /**
   * Remembers where the camera's manifest ends, so a restart reads forward from there instead of
   * listing a month of records. A hint only: it may lag (the reader probes forward), never lead
   * (it is written after the record).
   */
  async setHead(camera: string, hint: HeadHint): Promise<void> {
    await this.#redis.hset(
      `${this.#prefix}head:${camera}`,
      "seq",
      String(hint.seq),
      "seg",
      hint.segmentKey,
    );
  }

  async head(camera: string): Promise<HeadHint | undefined> {
    const [seq, seg] = await this.#redis.hmget(`${this.#prefix}head:${camera}`, "seq", "seg");
    return seq === null || seq === undefined
      ? undefined
      : { seq: Number(seq), segmentKey: seg ?? "" };
  }

  /**
   * Adds what the store holds past the index's last entry (segments stored by a writer that
   * stopped before indexing them); an empty index is rebuilt whole. Returns how many were added.
   */
  async catchUp(store: SegmentStore, camera: string): Promise<number> {
    const last = await this.last(camera);
    if (last === undefined) return this.rebuild(store, camera);
    let n = 0;
    for await (const o of store.list(`seg/${camera}/`, last.key)) {
      const ref = parseSegmentKey(o.key);
      if (ref === undefined) continue;
      await this.add(ref);
      n++;
    }
    return n;
  }

  /** Rewrites a camera's set from the store's listing; returns how many segments it holds. */
  async rebuild(store: SegmentStore, camera: string): Promise<number> {
    const set = this.#prefix + camera;
    await this.#redis.del(set);
    let n = 0;
    for await (const o of store.list(`seg/${camera}/`)) {
      const ref = parseSegmentKey(o.key);
      if (ref === undefined) continue;
      await this.#redis.zadd(set, ref.startMs, ref.key);
      n++;
    }
    return n;
  }
}
