import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findBinary } from "./binaries.ts";
import { makeTempDir } from "./cleanup.ts";
import { dockerAvailable, startContainer } from "./docker.ts";
import { LocalServer } from "./local-server.ts";
import { probeNats } from "./probe.ts";
import { externalServer, type NatsServer } from "./server-handle.ts";
import { pollUntil } from "./wait.ts";

export interface NatsOptions {
  /** Enable JetStream (default true). */
  readonly jetstream?: boolean;
  /** Store folder, kept on stop; by default a temporary `vis-test-nats-*` folder removed on stop. */
  readonly dataDir?: string;
  /** A fixed port (for a local dev stack; tests leave it out and get a free one). */
  readonly port?: number;
  /**
   * Users with permissions. When given, the server requires authentication: they are written to
   * `<dataDir>/auth.conf` and passed with `-c`, and the readiness probe logs in as the first user.
   * Without it, the server accepts anyone (today's behaviour).
   */
  readonly users?: readonly NatsUser[];
}

/** A NATS user and, optionally, what it may publish and subscribe to (nats-server `permissions`). */
export interface NatsUser {
  readonly user: string;
  readonly password: string;
  readonly permissions?: {
    readonly publish?: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
    readonly subscribe?: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  };
}

/** The nats-server configuration text for `users` (the config format accepts JSON values). */
export function natsAuthConfig(users: readonly NatsUser[]): string {
  return `authorization: ${JSON.stringify({ users }, null, 2)}\n`;
}

/**
 * A nats-server for tests: `VIS_NATS_URL` when set (an existing server), else a container when a
 * Docker engine answers (and no dataDir/port is pinned), else the local binary on a port it picks
 * itself (`-p -1`, read back from its ports file). Resolves once clients are served and, with JetStream, `$JS.API.INFO` answers.
 */
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const jetstream = options.jetstream ?? true;
  const external = process.env.VIS_NATS_URL;
  if (external) return externalServer(external, 4222);
  const pinned =
    options.dataDir !== undefined || options.port !== undefined || options.users !== undefined;
  if (!pinned && (await dockerAvailable())) {
    return startContainer({
      image: "nats:2.10-alpine",
      port: 4222,
      command: jetstream ? ["-js", "-sd", "/data"] : [],
      scheme: "nats",
      probe: (host, port) => probeNats(port, jetstream, host),
    });
  }
  const dataDir = options.dataDir ?? makeTempDir("nats");
  const users = options.users ?? [];
  const authFile = join(dataDir, "auth.conf");
  if (users.length > 0) writeFileSync(authFile, natsAuthConfig(users), { mode: 0o600 });
  const probeAuth = users[0];
  const server = new LocalServer({
    name: "nats-server",
    bin: findBinary("nats-server"),
    scheme: "nats",
    dataDir,
    ownsDataDir: options.dataDir === undefined,
    args: (port) => [
      ...(users.length > 0 ? ["-c", authFile] : []),
      "-a",
      "127.0.0.1",
      "-p",
      String(port ?? -1),
      ...(jetstream ? ["-js", "-sd", dataDir] : []),
      "--ports_file_dir",
      dataDir,
    ],
    discoverPort: (child, failFast) => readPortsFile(dataDir, child, failFast),
    probe: (port) => probeNats(port, jetstream, "127.0.0.1", 1000, probeAuth),
  });
  await server.start(options.port);
  return server;
}

/** nats-server writes `<dir>/nats-server_<pid>.ports` = `{"nats":["nats://127.0.0.1:PORT"]}`. */
async function readPortsFile(
  dir: string,
  child: ChildProcess,
  failFast: () => string | undefined,
): Promise<number> {
  const file = join(dir, `nats-server_${child.pid}.ports`);
  let port = 0;
  await pollUntil(
    `ports file ${file}`,
    async () => {
      const ports = JSON.parse(readFileSync(file, "utf8")) as { nats?: string[] };
      const url = ports.nats?.[0];
      if (url === undefined) return false;
      port = Number(new URL(url).port);
      return port > 0;
    },
    { timeoutMs: 10_000, intervalMs: 25, failFast },
  );
  return port;
}
