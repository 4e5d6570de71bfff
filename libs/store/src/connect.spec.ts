import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { BoundedRedis } from "./bounded-redis.ts";
import { connectStore, reconnectDelay, redactUrl } from "./connect.ts";

describe("store helpers", () => {
  it("hides credentials in URLs", () => {
    expect(redactUrl("redis://user:secret@10.0.0.1:6379/2")).toBe("redis://***@10.0.0.1:6379/2");
    expect(redactUrl("redis://:secret@h:1")).toBe("redis://***@h:1");
    expect(redactUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it("backs off exponentially with jitter, capped", () => {
    for (let i = 0; i < 20; i++) {
      const first = reconnectDelay(1, 100, 5000);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const late = reconnectDelay(40, 100, 5000);
      expect(late).toBeGreaterThanOrEqual(2500);
      expect(late).toBeLessThanOrEqual(5000);
    }
  });
});

describe("without a server (closed loopback port)", () => {
  it("fails the first connect with one unavailable line", async () => {
    const started = Date.now();
    const err = await connectStore({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).code).toBe("unavailable");
    expect((err as VisError).message).toMatch(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    expect((err as VisError).message).not.toContain("\n");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("bounds the offline queue and times commands out", async () => {
    const redis = new BoundedRedis(
      "redis://127.0.0.1:1",
      {
        lazyConnect: true,
        commandTimeout: 300,
        maxRetriesPerRequest: null,
        retryStrategy: () => 50,
      },
      3,
    );
    redis.on("error", () => {});
    try {
      const waiting = [1, 2, 3].map((i) => redis.get(`k${i}`).catch((e: unknown) => e));
      const over = await redis.get("k4").catch((e: unknown) => e);
      expect(over).toBeInstanceOf(VisError);
      expect((over as VisError).code).toBe("unavailable");
      expect(redis.offlineCount).toBe(3);
      const results = await Promise.all(waiting);
      for (const r of results) expect(String(r)).toMatch(/Command timed out/);
      expect(redis.offlineCount).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
