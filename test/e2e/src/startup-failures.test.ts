import {
  freePort,
  type NatsServer,
  type RedisServer,
  runToExit,
  startNats,
  startRedis,
} from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceEntry } from "./hub-fixture.ts";

// Start-up failures: one line naming what and where, a non-zero exit, no stack-trace wall.
let nats: NatsServer;
let redis: RedisServer;
beforeAll(async () => {
  [nats, redis] = await Promise.all([startNats(), startRedis()]);
});
afterAll(async () => {
  await nats?.stop();
  await redis?.stop();
});

const run = (name: string, env: Record<string, string>) =>
  runToExit({
    entry: serviceEntry(name),
    env: { VIS_GRPC_PORT: "0", VIS_METRICS_PORT: "0", ...env },
    timeoutMs: 30_000,
  });

const onlyLine = (stderr: string) => {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
};

describe("service start-up failures", () => {
  it("refuses invalid config and names the field and its source (exit 2)", async () => {
    const r = await run("registry", {
      VIS_NATS_URL: nats.url,
      VIS_REDIS_URL: redis.url,
      VIS_GRPC_PORT: "99999",
    });
    expect(r.code).toBe(2);
    expect(onlyLine(r.stderr)).toBe(
      "registry: error invalid_argument: config grpc.port: must be between 0 and 65535, got 99999 (from VIS_GRPC_PORT)",
    );
  });

  it("refuses an unreadable config file in one line", async () => {
    const r = await run("health", { VIS_CONFIG: "/nonexistent/vis.yaml" });
    expect(r.code).toBe(2);
    expect(onlyLine(r.stderr)).toMatch(
      /^health: error invalid_argument: config file \/nonexistent\/vis\.yaml: ENOENT/,
    );
  });

  it("names the NATS address it cannot reach (exit 1)", async () => {
    const dead = await freePort();
    const r = await run("gateway", {
      VIS_NATS_URL: `nats://127.0.0.1:${dead}`,
      VIS_NATS_CONNECT_TIMEOUT_MS: "1000",
      VIS_REDIS_URL: redis.url,
    });
    expect(r.code).toBe(1);
    expect(onlyLine(r.stderr)).toMatch(
      new RegExp(
        `^gateway: error unavailable: cannot reach NATS at nats://127\\.0\\.0\\.1:${dead}`,
      ),
    );
  });

  it("names the Redis address it cannot reach (exit 1)", async () => {
    const dead = await freePort();
    const r = await run("authorizer", {
      VIS_NATS_URL: nats.url,
      VIS_REDIS_URL: `redis://127.0.0.1:${dead}`,
      VIS_REDIS_CONNECT_TIMEOUT_MS: "1000",
    });
    expect(r.code).toBe(1);
    expect(onlyLine(r.stderr)).toMatch(
      new RegExp(
        `^authorizer: error unavailable: cannot reach Redis at redis://127\\.0\\.0\\.1:${dead}`,
      ),
    );
  });
});
