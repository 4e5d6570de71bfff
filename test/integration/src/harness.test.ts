import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  externalServer,
  findBinary,
  freePort,
  liveChildCount,
  makeTempDir,
  removeTempDir,
  runToExit,
  startNats,
  startRedis,
  startServiceProcess,
  UnsupportedForExternal,
} from "@vis/test-harness";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("../../harness/fixtures/", import.meta.url));

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("ports", () => {
  it("freePort gives distinct ports that can be bound", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const p of ports) expect(p).toBeGreaterThan(1024);
    expect(await accepts(ports[0] ?? 0)).toBe(false);
  });

  it("findBinary finds sbin daemons and names the package when missing", () => {
    expect(findBinary("nats-server", "")).toMatch(/nats-server$/);
    expect(() => findBinary("no-such-daemon-xyz")).toThrow(/apt-get install -y no-such-daemon-xyz/);
  });
});

describe("nats-server", () => {
  it("reads the port nats-server chose from its ports file, and stop cleans up", async () => {
    const a = await startNats();
    const b = await startNats({ jetstream: false });
    try {
      expect(a.kind).toBe("local");
      expect(a.url).toBe(`nats://127.0.0.1:${a.port}`);
      expect(a.port).not.toBe(b.port);
      const dir = a.dataDir ?? "";
      const portsFile = readdirSync(dir).find((f) => f.endsWith(".ports")) ?? "";
      expect(portsFile).toBe(`nats-server_${a.pid}.ports`);
      expect(JSON.parse(readFileSync(join(dir, portsFile), "utf8")).nats).toEqual([
        `nats://127.0.0.1:${a.port}`,
      ]);
      const nc = await connect({ servers: a.url });
      expect((await (await jetstreamManager(nc)).getAccountInfo()).streams).toBe(0);
      await nc.close();
    } finally {
      const pid = a.pid;
      await a.stop();
      await b.stop();
      expect(alive(pid)).toBe(false);
      expect(existsSync(a.dataDir ?? "")).toBe(false);
    }
  });

  it("keeps a JetStream message across kill -9 and restart on the same port", async () => {
    await using nats = await startNats();
    const port = nats.port;
    let nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "KEEP", subjects: ["keep.>"] });
    await jetstream(nc).publish("keep.one", new TextEncoder().encode("still here"));
    await nc.close();

    const oldPid = nats.pid;
    await nats.kill("SIGKILL");
    expect(alive(oldPid)).toBe(false);
    await nats.restart();
    expect(nats.port).toBe(port);
    expect(nats.pid).not.toBe(oldPid);

    nc = await connect({ servers: nats.url });
    const msg = await (await jetstreamManager(nc)).streams.getMessage("KEEP", { seq: 1 });
    expect(msg?.string()).toBe("still here");
    await nc.close();
  });
});

describe("redis-server", () => {
  it("keeps an AOF key across kill -9 and restart", async () => {
    await using redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    let client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await client.set("aof-key", "kept");
    await client.quit();
    await pause(100);
    await redis.kill();
    await redis.restart();
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.get("aof-key")).toBe("kept");
    await client.quit();
  });

  it("SIGSTOP freezes and SIGCONT resumes without waiting for an exit", async () => {
    await using redis = await startRedis({ appendonly: false });
    await redis.kill("SIGSTOP");
    expect(alive(redis.pid)).toBe(true);
    await redis.kill("SIGCONT");
  });
});

describe("pinned data folders", () => {
  it("keeps a given dataDir on stop", async () => {
    const dir = makeTempDir("pinned");
    const nats = await startNats({ dataDir: dir });
    const redis = await startRedis({ dataDir: dir });
    expect([nats.dataDir, redis.dataDir]).toEqual([dir, dir]);
    await nats.stop();
    await redis.stop();
    expect(existsSync(join(dir, "jetstream"))).toBe(true);
    removeTempDir(dir);
  });
});

describe("external servers", () => {
  it("stop is a no-op; kill and restart say they are not supported", async () => {
    const ext = externalServer("nats://10.1.2.3:4333", 4222);
    expect(ext).toMatchObject({ kind: "external", port: 4333, pid: undefined });
    await ext.stop();
    await expect(ext.kill()).rejects.toThrow(UnsupportedForExternal);
    await expect(ext.restart()).rejects.toThrow(/not supported for an external server/);
  });
});

describe("service processes", () => {
  it("starts a TypeScript entry with only the given env and waits for its ready line", async () => {
    const svc = await startServiceProcess({
      name: "echo",
      entry: join(fixtures, "echo-service.ts"),
      env: { GREETING: "hello" },
    });
    expect(svc.ready).toMatchObject({
      msg: "ready",
      grpc: "127.0.0.1:0",
      greeting: "hello",
      nodeOptions: null,
      home: process.env.HOME ?? null,
    });
    const keys = svc.ready.envKeys as string[];
    expect(keys).toContain("GREETING");
    expect(
      keys.every((k) => ["GREETING", "PATH", "HOME", "TMPDIR", "LANG", "TZ"].includes(k)),
    ).toBe(true);
    expect(svc.logs.some((l) => l.raw === "not json at all")).toBe(true);
    const tick = await svc.waitForLog((l) => l.msg === "tick", 2000);
    expect(tick.pid).toBe(svc.pid);
    const exit = await svc.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(svc.logs.at(-1)?.msg).toBe("stopping");
    expect(alive(svc.pid)).toBe(false);
  });

  it("rejects with the exit code and stderr when the process dies before ready", async () => {
    const err = await startServiceProcess({
      name: "crasher",
      entry: join(fixtures, "crash-on-start.ts"),
      env: { SERVICE_NAME: "crasher" },
      readyTimeoutMs: 15_000,
    }).then(
      () => new Error("started"),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/exited \(code 3/);
    expect(err.message).toContain("crasher: cannot reach NATS at nats://127.0.0.1:1");
  });

  it("runToExit returns the code and both outputs", async () => {
    const r = await runToExit({ entry: join(fixtures, "crash-on-start.ts"), env: {} });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('"msg":"starting"');
    expect(r.stderr).toBe("service: cannot reach NATS at nats://127.0.0.1:1\n");
  });

  it("leaves no tracked child running", () => {
    expect(liveChildCount()).toBe(0);
  });
});

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
