import { VisError } from "@vis/errors";
import { BoundedRedis } from "./bounded-redis.ts";
import { type StoreLogger, silentLogger } from "./logger.ts";
import { Store } from "./store.ts";

export interface StoreOptions {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). */
  readonly url: string;
  readonly logger?: StoreLogger;
  /** Bound on the first connection (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Every command fails with a timeout after this long (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  /** Commands allowed to wait while disconnected; more fail at once (default 1000). */
  readonly maxOfflineQueue?: number;
  /** Client name shown by `CLIENT LIST` (use the instance id). */
  readonly name?: string;
  /** Reconnect backoff: first delay (default 100 ms), doubling up to `maxMs` (default 5000 ms). */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
}

/**
 * Connects to Redis. The first connection is bounded by `connectTimeoutMs` (retrying within it) and
 * fails with one `unavailable` line naming the URL (password hidden). Afterwards the client
 * reconnects forever with capped, jittered backoff.
 */
export async function connectStore(options: StoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const where = redactUrl(options.url);
  const initialMs = options.reconnect?.initialMs ?? 100;
  const maxMs = options.reconnect?.maxMs ?? 5000;
  let established = false;
  const redis = new BoundedRedis(
    options.url,
    {
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      enableReadyCheck: true,
      connectionName: options.name,
      retryStrategy: (times) => (established ? reconnectDelay(times, initialMs, maxMs) : 100),
    },
    options.maxOfflineQueue ?? 1000,
  );
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
    logger.debug({ err, redis: where }, "Redis connection error");
  };
  redis.on("error", onError);
  redis.connect().catch(() => undefined);
  const outcome = await new Promise<"ready" | "timeout" | "auth">((resolve) => {
    const timer = setTimeout(() => finish("timeout"), connectTimeoutMs);
    const check = (err: Error) => {
      if (/WRONGPASS|NOAUTH|NOPERM/.test(err.message)) finish("auth");
    };
    const finish = (how: "ready" | "timeout" | "auth") => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("error", check);
      resolve(how);
    };
    const onReady = () => finish("ready");
    redis.once("ready", onReady);
    redis.on("error", check);
  });
  if (outcome !== "ready") {
    redis.disconnect();
    const why = lastError?.message ?? `no answer within ${connectTimeoutMs} ms`;
    throw outcome === "auth"
      ? new VisError("unauthenticated", `Redis at ${where} refused the credentials: ${why}`, {
          cause: lastError,
        })
      : new VisError("unavailable", `cannot reach Redis at ${where}: ${oneLine(why)}`, {
          cause: lastError,
        });
  }
  established = true;
  return new Store(redis, where, logger);
}

/** Capped exponential backoff with jitter for reconnects (attempt 1 = initialMs). */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Hides user and password: `redis://user:secret@host:6379` → `redis://***@host:6379`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}
