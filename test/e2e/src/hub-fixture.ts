import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SpanRecord } from "@vis/telemetry";
import {
  makeTempDir,
  type NatsServer,
  type RedisServer,
  repoRoot,
  type ServiceProcess,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";

export const SERVICE_NAMES = ["registry", "authorizer", "gateway", "health"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const serviceEntry = (name: string): string =>
  join(repoRoot(), "services", name, "src", "main.ts");

/** The environment one service process gets: real servers, free ports, spans to a file. */
export function serviceEnv(
  nats: NatsServer,
  redis: RedisServer,
  traceFile: string,
): Record<string, string> {
  return {
    VIS_NATS_URL: nats.url,
    VIS_REDIS_URL: redis.url,
    VIS_GRPC_PORT: "0",
    VIS_METRICS_PORT: "0",
    VIS_TRACES_EXPORTER: "file",
    VIS_TRACES_FILE: traceFile,
    VIS_LOG_LEVEL: "debug",
  };
}

export interface Hub {
  readonly nats: NatsServer;
  readonly redis: RedisServer;
  readonly dir: string;
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly addresses: Record<ServiceName, string>;
  spans(): SpanRecord[];
  traceFile(name: string): string;
}

/** Real nats-server and redis-server, then the four services as processes, started in parallel. */
export async function startHub(): Promise<Hub> {
  const [nats, redis] = await Promise.all([startNats(), startRedis()]);
  const dir = makeTempDir("e2e");
  const traceFile = (name: string) => join(dir, `${name}.spans.jsonl`);
  const started = await Promise.all(
    SERVICE_NAMES.map((name) =>
      startServiceProcess({
        name,
        entry: serviceEntry(name),
        env: serviceEnv(nats, redis, traceFile(name)),
      }),
    ),
  );
  const services = Object.fromEntries(started.map((s) => [s.name, s])) as Record<
    ServiceName,
    ServiceProcess
  >;
  const addresses = Object.fromEntries(
    started.map((s) => [s.name, String(s.ready.grpc)]),
  ) as Record<ServiceName, string>;
  return {
    nats,
    redis,
    dir,
    services,
    addresses,
    traceFile,
    spans: () =>
      SERVICE_NAMES.flatMap((name) => {
        try {
          return readFileSync(traceFile(name), "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as SpanRecord);
        } catch {
          return [];
        }
      }),
  };
}

/** Polls `check` every 100 ms until it returns true, or fails naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<number> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    try {
      if (await check()) return Date.now() - start;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`,
  );
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
