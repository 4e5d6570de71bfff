import { VisError } from "@vis/errors";
import { connectStore, type Store, type StoreState } from "@vis/store";
import { freePort, type RedisServer, startRedis } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Resolves when `check` is true; polls every 20 ms, at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < ms / 20 + 1 && Date.now() < deadline; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!check()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe("connect", () => {
  it("connects, pings and closes", async () => {
    const store = await connectStore({ url: redis.url, name: "store-test" });
    const seen: StoreState[] = [];
    store.onState((s) => seen.push(s));
    expect(store.state).toBe("connected");
    expect(await store.ping()).toBeGreaterThanOrEqual(0);
    await store.redis.set("hello", "world");
    expect(await store.redis.get("hello")).toBe("world");
    await store.close();
    expect(store.state).toBe("closed");
    expect(seen).toEqual(["closed"]);
  });

  it("fails fast with one unavailable line when nothing listens", async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await connectStore({
      url: `redis://:secret@127.0.0.1:${port}`,
      connectTimeoutMs: 800,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).code).toBe("unavailable");
    expect((err as VisError).message).toMatch(
      new RegExp(
        `^cannot reach Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
    expect((err as VisError).message).not.toContain("secret");
    expect((err as VisError).message).not.toContain("\n");
  });
});

describe("when Redis fails", () => {
  let server: RedisServer;
  let store: Store;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it("times commands out while Redis is frozen (SIGSTOP), and recovers on SIGCONT", async (ctx) => {
    if (server.kind !== "local") ctx.skip();
    store = await connectStore({ url: server.url, commandTimeoutMs: 300, maxOfflineQueue: 5 });
    await server.kill("SIGSTOP");
    try {
      const started = Date.now();
      const err = await store.redis.set("frozen", "1").catch((e: unknown) => e);
      expect(String(err)).toMatch(/Command timed out/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.kill("SIGCONT");
    }
    expect(await store.redis.get("missing")).toBeNull();
    // the timed-out SET was already on the wire: Redis applied it after all (writes must be idempotent)
    expect(await store.redis.get("frozen")).toBe("1");
    await store.close();
  });

  it("bounds the offline queue while Redis is down, then flushes it after restart", async (ctx) => {
    if (server.kind === "external") ctx.skip();
    store = await connectStore({
      url: server.url,
      commandTimeoutMs: 10_000,
      maxOfflineQueue: 5,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    const states: StoreState[] = [];
    store.onState((s) => states.push(s));
    await store.redis.set("durable", "yes");
    await new Promise((r) => setTimeout(r, 100));

    await server.kill("SIGKILL");
    await until(() => store.state === "reconnecting", 5000, "reconnecting state");
    const waiting = [1, 2, 3, 4, 5].map((i) => store.redis.set(`queued-${i}`, String(i)));
    expect(store.offlineQueueLength).toBe(5);
    const started = Date.now();
    const over = await store.redis.set("queued-6", "6").catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(50);
    expect(over).toBeInstanceOf(VisError);
    expect((over as VisError).code).toBe("unavailable");

    await server.restart();
    expect(await Promise.all(waiting)).toEqual(["OK", "OK", "OK", "OK", "OK"]);
    await until(() => store.state === "connected", 5000, "connected state");
    expect(await store.redis.get("durable")).toBe("yes");
    expect(await store.redis.get("queued-5")).toBe("5");
    expect(await store.redis.get("queued-6")).toBeNull();
    expect(states).toEqual(["reconnecting", "connected"]);
    await store.close();
  });

  it("never sends a command later that already timed out while disconnected", async (ctx) => {
    if (server.kind === "external") ctx.skip();
    store = await connectStore({
      url: server.url,
      commandTimeoutMs: 200,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    await server.kill("SIGKILL");
    await until(() => store.state === "reconnecting", 5000, "reconnecting state");
    const err = await store.redis.set("too-late", "1").catch((e: unknown) => e);
    expect(String(err)).toMatch(/Command timed out/);
    expect(store.offlineQueueLength).toBe(0);
    await server.restart();
    await until(() => store.state === "connected", 5000, "connected state");
    expect(await store.redis.get("too-late")).toBeNull();
    await store.close();
  });
});
