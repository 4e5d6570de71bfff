import type { Redis } from "ioredis";
import type { BoundedRedis } from "./bounded-redis.ts";
import type { StoreLogger } from "./logger.ts";

/** Where the store's connection stands. */
export type StoreState = "connected" | "reconnecting" | "closed";

/**
 * A connected Redis client with its state observable. Use `redis` for commands; every command has a
 * timeout and, while disconnected, only a bounded number wait (see README: writes must be idempotent).
 */
export class Store {
  private current: StoreState = "connected";
  private readonly listeners = new Set<(state: StoreState) => void>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: BoundedRedis,
    /** The URL with credentials hidden, for logs. */
    readonly target: string,
    private readonly logger: StoreLogger,
  ) {
    client.on("ready", () => {
      if (this.current === "reconnecting")
        logger.info({ event: "redis_reconnected", redis: target }, "Redis reconnected");
      this.set("connected");
    });
    client.on("close", () => {
      if (this.current === "connected")
        logger.warn({ event: "redis_disconnected", redis: target }, "Redis connection lost");
      this.set("reconnecting");
    });
    client.on("end", () => this.set("closed"));
  }

  /** The ioredis client. */
  get redis(): Redis {
    return this.client;
  }

  get state(): StoreState {
    return this.current;
  }

  /** Commands waiting for the connection right now. */
  get offlineQueueLength(): number {
    return this.client.offlineCount;
  }

  /** Tells `listener` of every state change; returns the function that removes it. */
  onState(listener: (state: StoreState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Round trip in milliseconds; rejects like any command (timeout, not connected). */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }

  /** QUIT when connected (≤ 2 s), else disconnect; no reconnect afterwards. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.client.status === "ready") {
      const quit = this.client.quit().then(
        () => true,
        () => false,
      );
      const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref());
      if (!(await Promise.race([quit, timeout]))) this.client.disconnect();
    } else {
      this.client.disconnect();
    }
    this.set("closed");
  }

  private set(next: StoreState): void {
    if (next === this.current || this.current === "closed") return;
    this.current = next;
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (err) {
        this.logger.warn({ err }, "store state listener failed");
      }
    }
  }
}
