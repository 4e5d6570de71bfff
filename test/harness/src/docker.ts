import { existsSync } from "node:fs";
import { request } from "node:http";
import type { ServerHandle } from "./server-handle.ts";
import { pollUntil } from "./wait.ts";

const SOCKET = "/var/run/docker.sock";
let available: Promise<boolean> | undefined;

/**
 * True when a Docker engine answers: DOCKER_HOST is set, or /var/run/docker.sock answers `/_ping`.
 * (`docker --version` proves nothing: the client is installed without an engine.)
 */
export function dockerAvailable(): Promise<boolean> {
  available ??= detect();
  return available;
}

function detect(): Promise<boolean> {
  if (process.env.DOCKER_HOST) return Promise.resolve(true);
  if (!existsSync(SOCKET)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath: SOCKET, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("error", () => resolve(false));
    req.once("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export interface ContainerSpec {
  readonly image: string;
  readonly port: number;
  readonly command: string[];
  readonly scheme: "nats" | "redis";
  probe(host: string, port: number): Promise<boolean>;
}

/**
 * Runs a server in a container through testcontainers (imported only here, only when an engine
 * answers). `kill` supports SIGKILL and SIGTERM (a stop that keeps the container); `restart` starts
 * it again and the mapped port, hence `url`, may change.
 */
export async function startContainer(spec: ContainerSpec): Promise<ServerHandle> {
  const { GenericContainer } = await import("testcontainers");
  const container = await new GenericContainer(spec.image)
    .withExposedPorts(spec.port)
    .withCommand(spec.command)
    .start();
  const where = () => ({ host: container.getHost(), port: container.getMappedPort(spec.port) });
  const waitReady = async () => {
    const { host, port } = where();
    await pollUntil(`${spec.image} at ${host}:${port}`, () => spec.probe(host, port), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  };
  await waitReady();
  let removed = false;
  const stop = async () => {
    if (removed) return;
    removed = true;
    await container.stop({ timeout: 5000, remove: true });
  };
  return {
    kind: "container",
    get url() {
      const { host, port } = where();
      return `${spec.scheme}://${host}:${port}`;
    },
    get port() {
      return where().port;
    },
    pid: undefined,
    dataDir: undefined,
    stop,
    kill: async (signal: NodeJS.Signals = "SIGKILL") => {
      if (signal !== "SIGKILL" && signal !== "SIGTERM") {
        throw new Error(`kill(${signal}) is not supported for a container`);
      }
      await container.stop({ timeout: signal === "SIGKILL" ? 0 : 5000, remove: false });
    },
    restart: async () => {
      await container.restart();
      await waitReady();
    },
    [Symbol.asyncDispose]: stop,
  };
}
