import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  errors,
  type NatsConnection,
} from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { backoffDelay, sleep } from "./backoff.ts";
import type { BusLogger } from "./logger.ts";
import { reason } from "./nats-errors.ts";

/** How the bus authenticates: user/password, a token, or the contents of a `.creds` file. */
export type BusCredentials =
  | { readonly user: string; readonly pass: string }
  | { readonly token: string }
  | { readonly creds: string };

export interface ReconnectPolicy {
  /** First delay after a lost connection (default 250 ms); doubles per attempt, with jitter. */
  readonly initialMs?: number;
  /** Largest delay between attempts (default 5000 ms). Attempts never stop. */
  readonly maxMs?: number;
}

export interface DialOptions {
  readonly servers: string | readonly string[];
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly credentials?: BusCredentials;
  readonly reconnect?: ReconnectPolicy;
  /** Client pings; a dead peer is noticed after about 3 intervals (default 10 s). */
  readonly pingIntervalMs?: number;
}

/**
 * The first connection is bounded: attempts repeat until `connectTimeoutMs` passes, then one
 * `unavailable` VisError names the servers and the last reason. Once connected the client
 * reconnects forever with exponential backoff and jitter.
 */
export async function dial(options: DialOptions, logger: BusLogger): Promise<NatsConnection> {
  const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers];
  const where = servers.join(",");
  const initialMs = options.reconnect?.initialMs ?? 250;
  const maxMs = options.reconnect?.maxMs ?? 5000;
  let attempt = 0;
  const base: ConnectionOptions = {
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => backoffDelay(attempt++, initialMs, maxMs),
    pingInterval: options.pingIntervalMs ?? 10_000,
    maxPingOut: 3,
    ...auth(options.credentials),
  };
  const deadline = Date.now() + options.connectTimeoutMs;
  let lastError: unknown;
  for (let tries = 0; tries < 10_000; tries++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const nc = await connect({ ...base, timeout: Math.max(remaining, 100) });
      resetOnReconnect(nc, () => {
        attempt = 0;
      });
      return nc;
    } catch (err) {
      if (err instanceof errors.AuthorizationError) {
        throw new VisError(
          "unauthenticated",
          `NATS at ${where} refused ${options.name}: ${reason(err)}`,
          {
            cause: err,
          },
        );
      }
      lastError = err;
      logger.debug({ err, servers: where }, "NATS connect attempt failed");
      await sleep(Math.min(250, Math.max(deadline - Date.now(), 0)));
    }
  }
  throw new VisError(
    "unavailable",
    `cannot reach NATS at ${where}: ${reason(lastError ?? new Error(`no answer within ${options.connectTimeoutMs} ms`))}`,
    { cause: lastError },
  );
}

function auth(credentials: BusCredentials | undefined): Partial<ConnectionOptions> {
  if (credentials === undefined) return {};
  if ("creds" in credentials) {
    return { authenticator: credsAuthenticator(new TextEncoder().encode(credentials.creds)) };
  }
  if ("token" in credentials) return { token: credentials.token };
  return { user: credentials.user, pass: credentials.pass };
}

function resetOnReconnect(nc: NatsConnection, reset: () => void): void {
  void (async () => {
    for await (const s of nc.status()) if (s.type === "reconnect") reset();
  })();
}
