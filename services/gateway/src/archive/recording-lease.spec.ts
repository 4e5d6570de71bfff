import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type LeaseRedis,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  RecordingLease,
} from "./recording-lease.ts";

/** SET NX PX and the two compare scripts over a map with expiry on the (fake) clock. */
class FakeRedis implements LeaseRedis {
  readonly keys = new Map<string, { value: string; expiresAt: number }>();
  down = false;
  calls: string[] = [];

  get(key: string): string | undefined {
    const e = this.keys.get(key);
    if (e === undefined || e.expiresAt <= Date.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return e.value;
  }

  async set(key: string, value: string, _px: "PX", ttlMs: number, _nx: "NX") {
    this.calls.push("set");
    if (this.down) throw new Error("connection lost");
    if (this.get(key) !== undefined) return null;
    this.keys.set(key, { value, expiresAt: Date.now() + ttlMs });
    return "OK" as const;
  }

  async eval(script: string, _n: number, ...args: (string | number)[]) {
    if (this.down) throw new Error("connection lost");
    const [key, owner, ttl] = args as [string, string, number | undefined];
    if (this.get(key) !== owner) return 0;
    if (script === RENEW_SCRIPT) {
      this.calls.push("renew");
      this.keys.set(key, { value: owner, expiresAt: Date.now() + Number(ttl) });
      return 1;
    }
    if (script === RELEASE_SCRIPT) {
      this.calls.push("release");
      this.keys.delete(key);
      return 1;
    }
    throw new Error("unknown script");
  }
}

const TTL = 15_000;

describe("recording lease", () => {
  let redis: FakeRedis;
  let lost: { owner: string; reason: string }[];
  const lease = (owner: string) =>
    new RecordingLease({
      redis,
      camera: "cam-001",
      owner,
      ttlMs: TTL,
      clock: () => Date.now(),
      onLost: (_cam, reason) => lost.push({ owner, reason }),
    });

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    redis = new FakeRedis();
    lost = [];
  });
  afterEach(() => vi.useRealTimers());

  it("one owner at a time; the other is refused while it is renewed", async () => {
    const a = lease("gw-a");
    const b = lease("gw-b");
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(a.held()).toBe(true);
    expect(b.held()).toBe(false);
    // renewed every ttl/3: still held long after the first ttl
    await vi.advanceTimersByTimeAsync(4 * TTL);
    expect(a.held()).toBe(true);
    expect(redis.calls.filter((c) => c === "renew").length).toBe(12);
    expect(await b.acquire()).toBe(false);
    expect(lost).toEqual([]);
    await a.release();
  });

  it("a clean release lets another owner take it at once", async () => {
    const a = lease("gw-a");
    const b = lease("gw-b");
    await a.acquire();
    await a.release();
    expect(a.state).toBe("released");
    expect(a.held()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(redis.get("vis:archive:lease:cam-001")).toBe("gw-b");
    await b.release();
  });

  it("an old owner's release does not delete the new owner's lease", async () => {
    const a = lease("gw-a");
    await a.acquire();
    // gw-a stalls (no renewals reach Redis); the key expires and gw-b takes it
    redis.down = true;
    await vi.advanceTimersByTimeAsync(TTL);
    redis.down = false;
    const b = lease("gw-b");
    expect(await b.acquire()).toBe(true);
    await a.release();
    expect(redis.get("vis:archive:lease:cam-001")).toBe("gw-b");
    await b.release();
  });

  it("Redis unreachable: the lease is lost before Redis could give it to anyone else", async () => {
    const a = lease("gw-a");
    await a.acquire();
    const key = "vis:archive:lease:cam-001";
    redis.down = true;
    let keyAliveAtLoss: boolean | undefined;
    const until = a.validUntil;
    while (lost.length === 0) {
      await vi.advanceTimersByTimeAsync(100);
      if (lost.length > 0) keyAliveAtLoss = (redis.keys.get(key)?.expiresAt ?? 0) > Date.now();
    }
    expect(lost).toEqual([{ owner: "gw-a", reason: expect.stringMatching(/not renewed/) }]);
    expect(a.state).toBe("lost");
    expect(a.held()).toBe(false);
    // fencing: the local deadline passed while the key still blocked every other owner
    expect(keyAliveAtLoss).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    redis.down = false;
    await vi.advanceTimersByTimeAsync(TTL);
    expect(await lease("gw-b").acquire()).toBe(true);
    expect(lost).toHaveLength(1);
  });

  it("a renewal that finds another owner loses the lease at once", async () => {
    const a = lease("gw-a");
    await a.acquire();
    // the key was lost on the Redis side (failover without the write) and another owner took it
    redis.keys.set("vis:archive:lease:cam-001", { value: "gw-b", expiresAt: Date.now() + TTL });
    expect(await a.renew()).toBe(false);
    expect(lost).toEqual([{ owner: "gw-a", reason: expect.stringMatching(/taken/) }]);
    expect(a.held()).toBe(false);
    expect(redis.get("vis:archive:lease:cam-001")).toBe("gw-b");
  });

  it("a failed renewal followed by a good one keeps the lease", async () => {
    const a = lease("gw-a");
    await a.acquire();
    redis.down = true;
    await vi.advanceTimersByTimeAsync(TTL / 3);
    expect(a.held()).toBe(true);
    redis.down = false;
    await vi.advanceTimersByTimeAsync(TTL / 3);
    await vi.advanceTimersByTimeAsync(2 * TTL);
    expect(a.held()).toBe(true);
    expect(lost).toEqual([]);
    await a.release();
  });

  it("its own unexpired lease (same owner id) is taken back", async () => {
    const a = lease("gw-a");
    await a.acquire();
    const again = lease("gw-a");
    expect(await again.acquire()).toBe(true);
    await again.release();
    await a.release();
  });

  it("an acquire while Redis is down throws (retried at the next tick)", async () => {
    redis.down = true;
    await expect(lease("gw-a").acquire()).rejects.toThrow(/connection lost/);
  });
});
