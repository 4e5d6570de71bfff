import { describe, expect, it } from "vitest";
import {
  LeaseDeferral,
  leaseHolders,
  preferredRecorder,
  RecorderRing,
  type RingRedis,
} from "./recorder-ring.ts";

/** A sorted set with the four commands the ring uses. */
class FakeZset implements RingRedis {
  readonly sets = new Map<string, Map<string, number>>();
  #set(key: string) {
    let s = this.sets.get(key);
    if (s === undefined) {
      s = new Map();
      this.sets.set(key, s);
    }
    return s;
  }
  async zadd(key: string, score: number, member: string) {
    this.#set(key).set(member, score);
  }
  async zrem(key: string, member: string) {
    this.#set(key).delete(member);
  }
  async zremrangebyscore(key: string, _min: number | string, max: number | string) {
    for (const [m, s] of this.#set(key)) if (s <= Number(max)) this.#set(key).delete(m);
  }
  async zrangebyscore(key: string, min: number | string, _max: number | string) {
    const floor = Number(String(min).replace("(", ""));
    return [...this.#set(key)]
      .filter(([, s]) => s > floor)
      .sort((a, b) => a[1] - b[1])
      .map(([m]) => m);
  }
  async mget(keys: string[]) {
    return keys.map(() => null);
  }
}

describe("recorder ring", () => {
  it("lists live recorders; a silent one drops out after a ttl, a leaving one at once", async () => {
    const redis = new FakeZset();
    let now = 1_000_000;
    const a = new RecorderRing(redis, "gw-a", 15_000, () => now);
    const b = new RecorderRing(redis, "gw-b", 15_000, () => now);
    const c = new RecorderRing(redis, "gw-c", 15_000, () => now);
    await a.beat();
    await b.beat();
    expect((await c.beat()).sort()).toEqual(["gw-a", "gw-b", "gw-c"]);
    now += 10_000;
    await a.beat();
    await b.beat();
    now += 5_000; // gw-c silent for 15 s
    expect((await a.beat()).sort()).toEqual(["gw-a", "gw-b"]);
    await b.leave();
    expect(await a.beat()).toEqual(["gw-a"]);
  });

  it("every gateway ranks the same member first for a camera, and cameras spread", () => {
    const members = ["gw-a", "gw-b", "gw-c"];
    const cameras = Array.from({ length: 300 }, (_, i) => `cam-${String(i).padStart(3, "0")}`);
    const counts = new Map<string, number>();
    for (const cam of cameras) {
      const p = preferredRecorder(cam, members) as string;
      expect(preferredRecorder(cam, [...members].reverse())).toBe(p);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(members);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
    // a member leaving moves only its own cameras
    for (const cam of cameras) {
      const before = preferredRecorder(cam, members);
      if (before !== "gw-c") expect(preferredRecorder(cam, ["gw-a", "gw-b"])).toBe(before);
    }
    expect(preferredRecorder("cam-001", [])).toBeUndefined();
  });
});

describe("lease deferral", () => {
  it("the preferred gateway tries a free camera at once; another only after it stayed free a ttl", () => {
    const d = new LeaseDeferral(15_000);
    expect(d.mayTry("cam-001", true, true, 0)).toBe(true);
    expect(d.mayTry("cam-002", false, true, 0)).toBe(false);
    expect(d.mayTry("cam-002", false, true, 14_999)).toBe(false);
    expect(d.mayTry("cam-002", false, true, 15_000)).toBe(true);
    // taken meanwhile (held): nothing to try, and the wait starts again when it is free again
    expect(d.mayTry("cam-002", false, false, 16_000)).toBe(false);
    expect(d.mayTry("cam-002", true, false, 16_000)).toBe(false);
    expect(d.mayTry("cam-002", false, true, 20_000)).toBe(false);
    expect(d.mayTry("cam-002", false, true, 34_999)).toBe(false);
    // becoming the preferred one (the first-ranked left the ring) ends the wait
    expect(d.mayTry("cam-002", true, true, 21_000)).toBe(true);
    d.clear("cam-002");
    expect(d.mayTry("cam-002", false, true, 40_000)).toBe(false);
    expect(d.mayTry("cam-002", false, true, 55_000)).toBe(true);
  });

  it("reads every camera's holder in one MGET", async () => {
    const asked: string[][] = [];
    const redis = {
      mget: async (keys: string[]) => {
        asked.push(keys);
        return keys.map((k) => (k.endsWith("cam-002") ? "gw-b" : null));
      },
    };
    const holders = await leaseHolders(redis, ["cam-001", "cam-002"], "vis:archive:lease:");
    expect(asked).toEqual([["vis:archive:lease:cam-001", "vis:archive:lease:cam-002"]]);
    expect([...holders]).toEqual([
      ["cam-001", undefined],
      ["cam-002", "gw-b"],
    ]);
    expect((await leaseHolders(redis, [], "p:")).size).toBe(0);
    expect(asked).toHaveLength(1);
  });
});
