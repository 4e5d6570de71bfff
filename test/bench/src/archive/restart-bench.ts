import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import {
  Archive,
  FsSegmentStore,
  type IndexRedis,
  type ManifestRecord,
  manifestKey,
  nextRecord,
  segmentKey,
  sha256Hex,
  TimeIndex,
  verifyChain,
} from "@vis/archive";
import { Redis } from "ioredis";
import { CountingStore } from "./counting-store.ts";

/** One restart path: times are medians over the runs; counts are the last run's. */
export interface RestartPath {
  /** Wall time of index + recover, ms (median). */
  readonly ms: number;
  readonly indexMs: number;
  readonly recoverMs: number;
  /** Store objects read (get), probed (head) and listed. */
  readonly gets: number;
  readonly heads: number;
  readonly listed: number;
  /** Redis commands sent by the index. */
  readonly redisCalls: number;
  readonly samplesMs: readonly number[];
}

export interface RestartResult {
  readonly hours: number;
  readonly segments: number;
  readonly records: number;
  readonly buildMs: number;
  readonly runs: number;
  /** Old path: `TimeIndex.rebuild` + `Archive.recover` over the whole chain (no head hint). */
  readonly full: RestartPath;
  /** New path: `TimeIndex.catchUp` + `Archive.recover` from the head hint. */
  readonly hinted: RestartPath;
  readonly totalMs: number;
  /** 1-minute load average when the runs ended (other work on the machine skews the times). */
  readonly loadavg1End: number;
}

const SEG_MS = 2000;
const CAMERA = "cam-restart";
const BATCH = 500;

/** Counts the index's Redis commands. */
class CountingRedis implements IndexRedis {
  calls = 0;
  constructor(private readonly r: Redis) {}
  zadd(key: string, score: number, member: string) {
    this.calls++;
    return this.r.zadd(key, score, member);
  }
  zrem(key: string, member: string) {
    this.calls++;
    return this.r.zrem(key, member);
  }
  zrangebyscore(key: string, min: number | string, max: number | string) {
    this.calls++;
    return this.r.zrangebyscore(key, min, max);
  }
  zrevrangebyscore(
    key: string,
    max: number | string,
    min: number | string,
    limit: "LIMIT",
    offset: number,
    count: number,
  ) {
    this.calls++;
    return this.r.zrevrangebyscore(key, max, min, limit, offset, count);
  }
  del(key: string) {
    this.calls++;
    return this.r.del(key);
  }
  hset(key: string, field: string, value: string, field2: string, value2: string) {
    this.calls++;
    return this.r.hset(key, field, value, field2, value2);
  }
  hmget(key: string, ...fields: string[]) {
    this.calls++;
    return this.r.hmget(key, ...fields);
  }
}

/** A real 2 s H.264/AAC FLV segment (keyframe first), as the recorder stores them. */
function makeSegment(file: string): void {
  const r = spawnSync(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
      ...["-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi"],
      ...["-i", "sine=frequency=440:sample_rate=44100", "-t", "2"],
      ...["-c:v", "libx264", "-preset", "veryfast", "-b:v", "500k", "-g", "50"],
      ...["-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "1"],
      ...["-f", "flv", file],
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * What a gateway pays to start recording a camera that already has `hours` of 2 s segments with
 * their manifest records. The archive is written straight into the filesystem store's layout (one
 * real segment hard-linked under every key; records chained with `nextRecord`), indexed in Redis,
 * and given the head hint the live recorder leaves. Before each run a crash's leftovers are added
 * (a segment linked but not indexed, with the hint not moved; a segment stored but never linked).
 * Full (the old start): the hint deleted, `TimeIndex.rebuild` + `Archive.recover` over the whole
 * chain. Hinted (the new start): `TimeIndex.catchUp` + `Archive.recover` from the hint. Runs
 * alternate; each is checked to repair exactly the leftovers; the chain is verified at the end.
 */
export async function restartBench(o: {
  dir: string;
  redisUrl: string;
  hours: number;
  runs: number;
  log: (s: string) => void;
}): Promise<RestartResult> {
  const began = performance.now();
  await mkdir(o.dir, { recursive: true });
  const master = join(o.dir, "master.flv");
  makeSegment(master);
  const bytes = await readFile(master);
  const sha = sha256Hex(bytes);
  const root = join(o.dir, "store");
  const n = Math.ceil((o.hours * 3600_000) / SEG_MS);
  const t0 = Date.UTC(2026, 10, 1);
  const keyOf = (i: number) => segmentKey(CAMERA, t0 + i * SEG_MS, t0 + (i + 1) * SEG_MS);
  const body = (i: number, reason = "") => ({
    kind: "segment" as const,
    key: keyOf(i),
    startMs: t0 + i * SEG_MS,
    endMs: t0 + (i + 1) * SEG_MS,
    bytes: bytes.byteLength,
    sha256: sha,
    at: t0 + (i + 1) * SEG_MS + 150,
    reason,
  });

  // the archive as the recorder leaves it: segment i ↔ record seq i
  const b0 = performance.now();
  // laid out as the store lays them out (shard folders), through its own path mapping
  const layout = new FsSegmentStore(root);
  let head: ManifestRecord | undefined;
  for (let i = 0; i < n; i += BATCH) {
    const recs: ManifestRecord[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      head = nextRecord(CAMERA, head, body(j));
      recs.push(head);
    }
    const dirs = new Set(
      recs.flatMap((r) => [layout.pathOf(r.key), layout.pathOf(manifestKey(CAMERA, r.seq))]),
    );
    for (const d of new Set([...dirs].map((p) => dirname(p)))) await mkdir(d, { recursive: true });
    await Promise.all(
      recs.flatMap((r) => [
        link(master, layout.pathOf(r.key)),
        writeFile(layout.pathOf(manifestKey(CAMERA, r.seq)), JSON.stringify(r), { mode: 0o444 }),
      ]),
    );
  }
  if (head === undefined) throw new Error("restart: no segments (hours too small)");
  const redis = new Redis(o.redisUrl);
  const prefix = `vis:bench:${randomBytes(3).toString("hex")}:`;
  const store = new FsSegmentStore(root);
  const setup = new TimeIndex(redis, prefix);
  await setup.rebuild(store, CAMERA);
  await setup.setHead(CAMERA, { seq: head.seq, segmentKey: head.key });
  const buildMs = performance.now() - b0;
  o.log(`restart: ${n} segments + ${n} records (${o.hours} h) written and indexed`);

  let next = n; // time slot of the next segment
  let expectedIndexed = n;
  const leftovers = async () => {
    // linked but not indexed, the hint not moved (a crash after the record, before the index)
    if (head === undefined) throw new Error("unreachable");
    await store.put(keyOf(next), bytes);
    head = nextRecord(CAMERA, head, body(next));
    await store.put(manifestKey(CAMERA, head.seq), Buffer.from(JSON.stringify(head)));
    // stored, never linked (a crash between the segment's write and its record's)
    await store.put(keyOf(next + 1), bytes);
    next += 2;
    expectedIndexed += 2;
    return { seq: head.seq + 1, key: keyOf(next - 1) };
  };

  const run = async (mode: "full" | "hinted") => {
    const want = await leftovers();
    if (mode === "full") await redis.del(`${prefix}head:${CAMERA}`);
    const counted = new CountingStore(new FsSegmentStore(root));
    const r = new CountingRedis(redis);
    const index = new TimeIndex(r, prefix);
    const archive = new Archive({ store: counted, index, retentionDays: async () => 30 });
    const s0 = performance.now();
    const indexed =
      mode === "full" ? await index.rebuild(counted, CAMERA) : await index.catchUp(counted, CAMERA);
    const s1 = performance.now();
    const added = await archive.recover(CAMERA);
    const s2 = performance.now();
    // each start must repair exactly the leftovers
    if (indexed !== (mode === "full" ? expectedIndexed : 2))
      throw new Error(`restart ${mode}: indexed ${indexed}`);
    const [rec] = added;
    if (added.length !== 1 || rec?.seq !== want.seq || rec.key !== want.key)
      throw new Error(`restart ${mode}: linked ${JSON.stringify(added.map((a) => a.key))}`);
    head = rec;
    const hint = await index.head(CAMERA);
    if (hint?.seq !== rec.seq) throw new Error(`restart ${mode}: hint ${JSON.stringify(hint)}`);
    o.log(`restart: ${mode} ${Math.round(s2 - s0)} ms`);
    return {
      ms: s2 - s0,
      indexMs: s1 - s0,
      recoverMs: s2 - s1,
      gets: counted.gets,
      heads: counted.heads,
      listed: counted.listed,
      redisCalls: r.calls,
    };
  };

  const full: Awaited<ReturnType<typeof run>>[] = [];
  const hinted: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < o.runs; i++) {
    full.push(await run("full"));
    hinted.push(await run("hinted"));
  }

  // the archive is still whole: chain intact, every stored segment linked and indexed
  const records: ManifestRecord[] = [];
  for await (const obj of store.list(`man/${CAMERA}/`))
    records.push(JSON.parse((await store.get(obj.key)).toString("utf8")) as ManifestRecord);
  const problems = verifyChain(records, (k) => (k.startsWith(`seg/${CAMERA}/`) ? sha : undefined));
  const linked = new Set(records.map((r) => r.key));
  let stored = 0;
  for await (const obj of store.list(`seg/${CAMERA}/`)) {
    stored++;
    if (!linked.has(obj.key)) problems.push({ seq: -1, key: obj.key, problem: "segment_unlinked" });
  }
  const indexedAll = (await setup.all(CAMERA)).length;
  if (problems.length > 0 || stored !== linked.size || indexedAll !== stored)
    throw new Error(
      `restart: archive not whole (${problems.length} problems, ${stored} stored, ${linked.size} linked, ${indexedAll} indexed)`,
    );
  redis.disconnect();

  const summary = (xs: Awaited<ReturnType<typeof run>>[]): RestartPath => {
    const last = xs.at(-1);
    return {
      ms: round(median(xs.map((x) => x.ms))),
      indexMs: round(median(xs.map((x) => x.indexMs))),
      recoverMs: round(median(xs.map((x) => x.recoverMs))),
      gets: last?.gets ?? 0,
      heads: last?.heads ?? 0,
      listed: last?.listed ?? 0,
      redisCalls: last?.redisCalls ?? 0,
      samplesMs: xs.map((x) => round(x.ms)),
    };
  };
  return {
    hours: o.hours,
    segments: n,
    records: n,
    buildMs: Math.round(buildMs),
    runs: o.runs,
    full: summary(full),
    hinted: summary(hinted),
    totalMs: Math.round(performance.now() - began),
    loadavg1End: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
