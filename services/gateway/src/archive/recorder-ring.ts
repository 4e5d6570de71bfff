import { placeCamera } from "../placement/placement.ts";

/** The Redis commands the ring uses (an ioredis client satisfies it). */
export interface RingRedis {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zremrangebyscore(key: string, min: number | string, max: number | string): Promise<unknown>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
}

export const RING_KEY = "vis:archive:recorders";

/**
 * The gateways that record now: a Redis sorted set, member = lease owner, score = when its entry
 * expires (renewed every lease tick with the lease ttl). A gateway that dies drops out within a
 * ttl, as its leases do; one that stops cleanly leaves at once.
 */
export class RecorderRing {
  readonly #redis: RingRedis;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #key: string;

  constructor(redis: RingRedis, owner: string, ttlMs: number, clock = Date.now, key = RING_KEY) {
    this.#redis = redis;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
    this.#key = key;
  }

  /** Announces this gateway and answers every live member (itself included). */
  async beat(): Promise<string[]> {
    const now = this.#clock();
    await this.#redis.zadd(this.#key, now + this.#ttlMs, this.#owner);
    await this.#redis.zremrangebyscore(this.#key, "-inf", now);
    return this.#redis.zrangebyscore(this.#key, `(${now}`, "+inf");
  }

  async leave(): Promise<void> {
    await this.#redis.zrem(this.#key, this.#owner);
  }
}

/** The member that should record `camera`: rendezvous hashing, as plays are placed. */
export function preferredRecorder(camera: string, members: readonly string[]): string | undefined {
  return placeCamera(
    camera,
    members.map((instanceId) => ({ instanceId, playUrl: "", sessions: 0, capacity: 1 })),
  )?.instanceId;
}

/**
 * When to try a free camera's lease. The camera's preferred gateway tries at every tick; any
 * other waits one ttl after it first sees the camera to try (and again after each failed try), so
 * a dead owner's cameras spread over the survivors by rank instead of going to whoever ticks first
 * — and are still taken if the preferred gateway cannot record them.
 */
export class LeaseDeferral {
  readonly #waitMs: number;
  readonly #since = new Map<string, number>();

  constructor(waitMs: number) {
    this.#waitMs = waitMs;
  }

  mayTry(camera: string, preferred: boolean, now: number): boolean {
    if (preferred) return true;
    const since = this.#since.get(camera);
    if (since === undefined) {
      this.#since.set(camera, now);
      return false;
    }
    return now - since >= this.#waitMs;
  }

  /** The try found the lease held elsewhere: wait again before the next. */
  heldElsewhere(camera: string, now: number): void {
    this.#since.set(camera, now);
  }

  /** This gateway holds it now (or no longer wants it). */
  clear(camera: string): void {
    this.#since.delete(camera);
  }
}
