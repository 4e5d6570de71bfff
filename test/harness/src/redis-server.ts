import { findBinary } from "./binaries.ts";
import { makeTempDir } from "./cleanup.ts";
import { dockerAvailable, startContainer } from "./docker.ts";
import { freePort } from "./free-port.ts";
import { LocalServer } from "./local-server.ts";
import { probeRedis } from "./probe.ts";
import { externalServer, type RedisServer } from "./server-handle.ts";

export interface RedisOptions {
  /** Append-only file with fsync every second (default true). */
  readonly appendonly?: boolean;
  /** Data folder, kept on stop; by default a temporary `vis-test-redis-*` folder removed on stop. */
  readonly dataDir?: string;
  /** A fixed port (for a local dev stack; tests leave it out and get a free one). */
  readonly port?: number;
}

const PORT_ATTEMPTS = 5;

/**
 * A redis-server for tests: `VIS_REDIS_URL` when set, else a container when a Docker engine
 * answers (and no dataDir/port is pinned), else the local binary. Redis cannot pick its own port, so a free one is chosen in Node
 * and the start is retried (up to 5 ports) when another process took it first.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const appendonly = options.appendonly ?? true;
  const external = process.env.VIS_REDIS_URL;
  if (external) return externalServer(external, 6379);
  const persistence = appendonly
    ? ["--appendonly", "yes", "--appendfsync", "everysec"]
    : ["--appendonly", "no"];
  const pinned = options.dataDir !== undefined || options.port !== undefined;
  if (!pinned && (await dockerAvailable())) {
    return startContainer({
      image: "redis:7-alpine",
      port: 6379,
      command: ["redis-server", "--dir", "/data", ...persistence, "--save", ""],
      scheme: "redis",
      probe: (host, port) => probeRedis(port, host),
    });
  }
  const dataDir = options.dataDir ?? makeTempDir("redis");
  const bin = findBinary("redis-server");
  let lastError: unknown;
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const server = new LocalServer({
      name: "redis-server",
      bin,
      scheme: "redis",
      dataDir,
      ownsDataDir: options.dataDir === undefined,
      args: (port) => [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--dir",
        dataDir,
        ...persistence,
        "--save",
        "",
      ],
      probe: (port) => probeRedis(port),
    });
    try {
      await server.start(options.port ?? (await freePort()));
      return server;
    } catch (err) {
      lastError = err;
      if (!String(err).includes("Address already in use")) break;
    }
  }
  throw lastError;
}
