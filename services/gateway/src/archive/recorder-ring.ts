import { placeCamera } from "../placement/placement.ts";

/** The Redis commands the ring uses (an ioredis client satisfies it). */
export interface RingRedis {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zremrangebyscore(key: string, min: number | string, max: number | string): Promise<unknown>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
  mget(keys: string[]): Promise<(string | null)[]>;
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

/** Who holds each camera's lease now (undefined = free), in one round trip. */
export async function leaseHolders(
  redis: Pick<RingRedis, "mget">,
  cameras: readonly string[],
  prefix: string,
): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  if (cameras.length === 0) return out;
  const values = await redis.mget(cameras.map((c) => prefix + c));
  cameras.forEach((c, i) => {
    out.set(c, values[i] ?? undefined);
  });
  return out;
}

/**
 * When to try a free camera's lease. The camera's preferred gateway tries at every tick it sees
 * the camera free; any other only once the camera has stayed free for a ttl. So a dead owner's
 * cameras spread over the survivors by rank instead of going to whoever ticks first — and are
 * still taken if the preferred gateway cannot record them.
 */
export class LeaseDeferral {
  readonly #waitMs: number;
  readonly #freeSince = new Map<string, number>();

  constructor(waitMs: number) {
    this.#waitMs = waitMs;
  }

  /** `free`: no gateway holds the lease now (when unknown, pass true: the acquire decides). */
  mayTry(camera: string, preferred: boolean, free: boolean, now: number): boolean {
    if (!free) {
      this.#freeSince.delete(camera);
      return false;
    }
    const since = this.#freeSince.get(camera) ?? now;
    this.#freeSince.set(camera, since);
    return preferred || now - since >= this.#waitMs;
  }

  /** This gateway holds it now (or no longer wants it). */
  clear(camera: string): void {
    this.#freeSince.delete(camera);
  }
}
