/** The few Redis commands a lease uses (an ioredis client satisfies it). */
export interface LeaseRedis {
  set(key: string, value: string, px: "PX", ttlMs: number, nx: "NX"): Promise<"OK" | null>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Extends the lease only while it is still ours. */
export const RENEW_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the lease only while it is still ours. */
export const RELEASE_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

export const LEASE_PREFIX = "vis:archive:lease:";

export type LeaseState = "idle" | "held" | "lost" | "released";

export interface RecordingLeaseOptions {
  readonly redis: LeaseRedis;
  readonly camera: string;
  /** This gateway's recorder identity (unique per process). */
  readonly owner: string;
  readonly ttlMs: number;
  /** Called once when the lease is lost (taken by another owner, or not renewed in time). */
  readonly onLost: (camera: string, reason: string) => void;
  readonly clock?: () => number;
  readonly prefix?: string;
}

/**
 * The right to record one camera, held by one gateway at a time: `SET key owner NX PX ttl` to
 * acquire, a compare-and-PEXPIRE every ttl/3 to renew, a compare-and-DEL to release on a clean stop.
 *
 * Fencing: the lease counts as held only until `sent + ttl − guard`, where `sent` is when the last
 * successful acquire/renew was sent — before Redis can expire the key and let another gateway take
 * it. If renewing keeps failing (Redis unreachable) that deadline passes and `onLost` fires; if a
 * renewal finds another owner (or no key) `onLost` fires at once. A recorder asks `held()` before
 * each write, so nothing is written after the deadline even while it is being stopped.
 */
export class RecordingLease {
  readonly camera: string;
  readonly key: string;
  readonly #o: RecordingLeaseOptions;
  readonly #clock: () => number;
  readonly #guardMs: number;
  #state: LeaseState = "idle";
  #validUntil = 0;
  #renewTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(options: RecordingLeaseOptions) {
    this.#o = options;
    this.camera = options.camera;
    this.key = (options.prefix ?? LEASE_PREFIX) + options.camera;
    this.#clock = options.clock ?? Date.now;
    this.#guardMs = Math.floor(options.ttlMs / 10);
  }

  get state(): LeaseState {
    return this.#state;
  }

  /** Until when (epoch ms, this clock) writing is allowed; 0 when never held. */
  get validUntil(): number {
    return this.#validUntil;
  }

  /** True while the lease is ours and its local deadline has not passed. */
  held(): boolean {
    return this.#state === "held" && this.#clock() < this.#validUntil;
  }

  /**
   * Takes the lease when nobody holds it (or when it is still ours from before). True when held;
   * renewing starts then. Redis errors are thrown (the caller retries at its next tick).
   */
  async acquire(): Promise<boolean> {
    if (this.#state === "held") return this.held();
    const sent = this.#clock();
    let ok = (await this.#o.redis.set(this.key, this.#o.owner, "PX", this.#o.ttlMs, "NX")) === "OK";
    if (!ok) ok = Number(await this.#renewScript()) === 1;
    if (!ok) return false;
    this.#state = "held";
    this.#extend(sent);
    const every = Math.max(1, Math.floor(this.#o.ttlMs / 3));
    this.#renewTimer = setInterval(() => void this.renew(), every);
    this.#renewTimer.unref();
    return true;
  }

  /** One renewal (the timer calls it every ttl/3). False when not renewed. */
  async renew(): Promise<boolean> {
    if (this.#state !== "held" || this.#renewing) return false;
    this.#renewing = true;
    const sent = this.#clock();
    try {
      const r = Number(await this.#renewScript());
      if (this.#state !== "held") return false;
      if (r !== 1) {
        this.#lose("lease taken: another gateway holds it or it expired in Redis");
        return false;
      }
      this.#extend(sent);
      return true;
    } catch {
      // Redis unreachable: keep trying at the next tick; the expiry timer fences.
      return false;
    } finally {
      this.#renewing = false;
    }
  }

  /** Gives the lease up (clean stop): deleted only while it is still ours. */
  async release(): Promise<void> {
    const wasHeld = this.#state === "held";
    this.#stopTimers();
    this.#state = "released";
    this.#validUntil = 0;
    if (wasHeld) await this.#o.redis.eval(RELEASE_SCRIPT, 1, this.key, this.#o.owner);
  }

  #renewScript(): Promise<unknown> {
    return this.#o.redis.eval(RENEW_SCRIPT, 1, this.key, this.#o.owner, this.#o.ttlMs);
  }

  #extend(sent: number): void {
    this.#validUntil = Math.max(this.#validUntil, sent + this.#o.ttlMs - this.#guardMs);
    this.#armExpiry();
  }

  #armExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(
      () => {
        if (this.#state !== "held") return;
        if (this.#clock() < this.#validUntil) this.#armExpiry();
        else this.#lose(`lease not renewed within ${this.#o.ttlMs} ms (Redis unreachable?)`);
      },
      Math.max(0, this.#validUntil - this.#clock()),
    );
    this.#expiryTimer.unref();
  }

  #lose(reason: string): void {
    if (this.#state !== "held") return;
    this.#stopTimers();
    this.#state = "lost";
    this.#validUntil = 0;
    this.#o.onLost(this.camera, reason);
  }

  #stopTimers(): void {
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#renewTimer = undefined;
    this.#expiryTimer = undefined;
  }
}
