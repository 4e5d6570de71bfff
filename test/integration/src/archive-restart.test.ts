import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisServer, startRedis } from "@vis/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Archive,
  FsSegmentStore,
  manifestKey,
  nextRecord,
  segmentKey,
  sha256Hex,
  TimeIndex,
} from "../../../libs/archive/src/index.ts";
import { CountingStore } from "../../bench/src/archive/counting-store.ts";

// A gateway restart must not read a month of records before recording again: with the index and
// the head hint in Redis it reads only what is past them, and still repairs a crash's leftovers
// (a segment stored but never linked, a record linked but never indexed). Real redis-server, real
// filesystem store; the store is counted, not replaced.
describe("archive restart: catch up from the hints, repair a crash's leftovers", () => {
  const root = mkdtempSync(join(tmpdir(), "vis-restart-"));
  let server: RedisServer;
  let redis: Redis;
  const CAM = "cam-r";
  const T0 = Date.UTC(2026, 10, 1);
  const N = 300;
  const seg = (i: number) => [T0 + i * 2000, T0 + i * 2000 + 2000] as const;
  const bytes = (i: number) => Buffer.from(`segment ${i}`);

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    const store = new FsSegmentStore(root);
    const archive = new Archive({
      store,
      index: new TimeIndex(redis),
      retentionDays: async () => 30,
    });
    for (let i = 0; i < N; i++) {
      const [s, e] = seg(i);
      await archive.append(CAM, s, e, bytes(i));
    }
    // crash leftovers: segment N linked but not indexed (and the hint not moved); segment N+1
    // stored but never linked
    const head = JSON.parse(
      (await store.get(manifestKey(CAM, N - 1))).toString("utf8"),
    ) as Parameters<typeof nextRecord>[1];
    const [s1, e1] = seg(N);
    const k1 = segmentKey(CAM, s1, e1);
    await store.put(k1, bytes(N));
    const rec = nextRecord(CAM, head, {
      kind: "segment",
      key: k1,
      startMs: s1,
      endMs: e1,
      bytes: bytes(N).byteLength,
      sha256: sha256Hex(bytes(N)),
      at: T0,
      reason: "",
    });
    await store.put(manifestKey(CAM, rec.seq), Buffer.from(JSON.stringify(rec)));
    const [s2, e2] = seg(N + 1);
    await store.put(segmentKey(CAM, s2, e2), bytes(N + 1));
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("with the hints: reads only past them, indexes and links exactly the leftovers", async () => {
    const store = new CountingStore(new FsSegmentStore(root));
    const index = new TimeIndex(redis);
    const archive = new Archive({ store, index, retentionDays: async () => 30 });
    expect(await index.catchUp(store, CAM)).toBe(2); // N and N+1 were not indexed
    const listedByCatchUp = store.listed;
    const relinked = await archive.recover(CAM);
    expect(relinked.map((r) => [r.seq, r.key])).toEqual([[N + 1, segmentKey(CAM, ...seg(N + 1))]]);
    // a few records and segments read, not N
    expect(listedByCatchUp).toBeLessThanOrEqual(2);
    expect(store.gets).toBeLessThanOrEqual(4);
    expect(store.listed).toBeLessThanOrEqual(4);
    expect((await index.all(CAM)).length).toBe(N + 2);
    expect(await archive.verify(CAM)).toEqual([]);
    // recording goes on from the right head
    const [s, e] = seg(N + 2);
    expect((await archive.append(CAM, s, e, bytes(N + 2))).seq).toBe(N + 2);
    expect(await index.head(CAM)).toEqual({ seq: N + 2, segmentKey: segmentKey(CAM, s, e) });
  });

  it("without them (Redis lost): the whole chain and listing, same result, nothing linked twice", async () => {
    await redis.flushdb();
    const store = new CountingStore(new FsSegmentStore(root));
    const index = new TimeIndex(redis);
    const archive = new Archive({ store, index, retentionDays: async () => 30 });
    expect(await index.catchUp(store, CAM)).toBe(N + 3);
    expect(await archive.recover(CAM)).toEqual([]);
    expect(store.gets).toBeGreaterThanOrEqual(N + 3); // every record read
    expect(await archive.verify(CAM)).toEqual([]);
    const [s, e] = seg(N + 3);
    expect((await archive.append(CAM, s, e, bytes(N + 3))).seq).toBe(N + 3);
  });

  it("a lagging hint is read forward; an index entry of a removed segment is dropped by the sweep", async () => {
    const index = new TimeIndex(redis);
    await index.setHead(CAM, { seq: 5, segmentKey: segmentKey(CAM, ...seg(5)) });
    const store = new CountingStore(new FsSegmentStore(root));
    const archive = new Archive({
      store,
      index,
      retentionDays: async () => 30,
      clock: () => T0 + 40 * 86_400_000,
    });
    expect(await archive.recover(CAM)).toEqual([]);
    const [s, e] = seg(N + 4);
    expect((await archive.append(CAM, s, e, bytes(N + 4))).seq).toBe(N + 4);
    // a removal whose index update was lost: the segment is gone, its entry still indexed
    const first = segmentKey(CAM, ...seg(0));
    const removedOnce = await archive.remove(first, "retention of 30 days expired");
    await index.add({ camera: CAM, startMs: seg(0)[0], endMs: seg(0)[1], key: first });
    const out = await archive.sweep(CAM);
    expect(out.removed.map((r) => r.key)).not.toContain(first);
    expect(out.removed.length).toBe(N + 4); // every other segment, once
    expect(await index.all(CAM)).toEqual([]);
    expect(removedOnce.kind).toBe("removed");
    expect(await archive.verify(CAM)).toEqual([]);
  });
});

describe("archive removal: registered before the bytes go", () => {
  const root = mkdtempSync(join(tmpdir(), "vis-removal-"));
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("a failed registration keeps the segment; the next sweep registers the same record and removes it", async () => {
    const store = new FsSegmentStore(root);
    const registered: number[] = [];
    let failNext = true;
    const T0 = Date.UTC(2026, 9, 1);
    const archive = new Archive({
      store,
      index: new TimeIndex(redis),
      retentionDays: async () => 30,
      clock: () => T0 + 40 * 86_400_000,
      onRemoving: async (rec) => {
        if (failNext) {
          failNext = false;
          throw new Error("registration unavailable");
        }
        registered.push(rec.seq);
      },
    });
    for (let i = 0; i < 3; i++)
      await archive.append("cam-x", T0 + i * 2000, T0 + i * 2000 + 2000, Buffer.from(`s${i}`));
    const first = segmentKey("cam-x", T0, T0 + 2000);
    await expect(archive.sweep("cam-x")).rejects.toThrow(/registration unavailable/);
    expect(await store.head(first)).toBeDefined(); // not registered, not deleted
    expect((await archive.index.all("cam-x")).length).toBe(3);
    const out = await archive.sweep("cam-x");
    expect(out.removed.map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(registered).toEqual([3, 4, 5]); // the failed one's record (seq 3) reused, not relinked
    expect(await store.head(first)).toBeUndefined();
    const records = await archive.records("cam-x");
    expect(records.filter((r) => r.kind === "removed").map((r) => r.key)).toHaveLength(3);
    expect(await archive.verify("cam-x")).toEqual([]);
  });
});
