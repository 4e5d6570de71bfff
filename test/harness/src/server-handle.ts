/** Where a test server runs. */
export type ServerKind = "local" | "container" | "external";

/**
 * A server started for tests (or an existing one named in the environment). `port`, `pid` and, in
 * container mode, `url` can change across `restart()`; read them after it resolves.
 */
export interface ServerHandle {
  readonly kind: ServerKind;
  readonly url: string;
  readonly port: number;
  /** The server process id; undefined for containers and external servers. */
  readonly pid: number | undefined;
  /** The data folder (JetStream store, AOF); undefined for containers and external servers. */
  readonly dataDir: string | undefined;
  /** SIGTERM, SIGKILL after 5 s; waits for the exit and removes a temporary data folder. */
  stop(): Promise<void>;
  /**
   * Sends a signal (SIGKILL by default). Terminating signals wait for the exit and keep the data
   * folder, so `restart()` brings the same data back. SIGSTOP/SIGCONT return at once.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port with the same data folder; resolves once it serves. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type NatsServer = ServerHandle;
export type RedisServer = ServerHandle;

export class UnsupportedForExternal extends Error {
  constructor(what: string, url: string) {
    super(`${what} is not supported for an external server (${url})`);
    this.name = "UnsupportedForExternal";
  }
}

/** A handle to a server the harness did not start: stop is a no-op, kill and restart throw. */
export function externalServer(url: string, defaultPort: number): ServerHandle {
  const parsed = new URL(url);
  const port = parsed.port === "" ? defaultPort : Number(parsed.port);
  return {
    kind: "external",
    url,
    port,
    pid: undefined,
    dataDir: undefined,
    stop: async () => {},
    kill: async () => {
      throw new UnsupportedForExternal("kill", url);
    },
    restart: async () => {
      throw new UnsupportedForExternal("restart", url);
    },
    [Symbol.asyncDispose]: async () => {},
  };
}
