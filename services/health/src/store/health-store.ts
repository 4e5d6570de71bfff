import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type Incident,
  IncidentSchema,
  IncidentState,
  type ProbeTarget,
  ProbeTargetSchema,
} from "@vis/proto/vis/health/v1/status_pb";
import type { Redis } from "ioredis";
import type { TrackerSnapshot } from "../domain/tracker.ts";

const K = {
  targets: "vis:health:targets",
  trackers: "vis:health:trackers",
  open: "vis:health:incidents:open",
  closed: "vis:health:incidents:closed",
  closedAt: "vis:health:incidents:closed:at",
} as const;

/** Closed incidents kept in Redis (the VIS_HEALTH stream is the long-term record). */
const MAX_CLOSED = 50_000;
const BATCH = 1000;

export interface StoredTracker {
  readonly snap: TrackerSnapshot;
  readonly timeline: string;
}

/**
 * The monitor's state in Redis (AOF on): targets, each target's tracker and state history, open
 * incidents (one hash, keyed by target: the de-duplication survives a restart) and recent closed
 * ones. Everything the monitor needs to continue after a restart is read back by `load*`.
 */
export class HealthStore {
  constructor(private readonly redis: Redis) {}

  async loadTargets(): Promise<ProbeTarget[]> {
    const all = await this.redis.hgetallBuffer(K.targets);
    return Object.values(all).map((b) => fromBinary(ProbeTargetSchema, b));
  }

  async putTargets(targets: readonly ProbeTarget[]): Promise<void> {
    for (let i = 0; i < targets.length; i += BATCH) {
      const args: (string | Buffer)[] = [];
      for (const t of targets.slice(i, i + BATCH))
        args.push(t.id, Buffer.from(toBinary(ProbeTargetSchema, t)));
      await this.redis.hset(K.targets, ...args);
    }
  }

  async deleteTargets(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .hdel(K.targets, ...ids)
      .hdel(K.trackers, ...ids)
      .exec();
  }

  async loadTrackers(): Promise<Map<string, StoredTracker>> {
    const all = await this.redis.hgetall(K.trackers);
    const out = new Map<string, StoredTracker>();
    for (const [id, json] of Object.entries(all)) {
      try {
        out.set(id, JSON.parse(json) as StoredTracker);
      } catch {
        // A damaged entry is dropped; the target starts as unknown and is probed again.
      }
    }
    return out;
  }

  async saveTrackers(entries: readonly [string, StoredTracker][]): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const args: string[] = [];
      for (const [id, t] of entries.slice(i, i + BATCH)) args.push(id, JSON.stringify(t));
      await this.redis.hset(K.trackers, ...args);
    }
  }

  async loadOpenIncidents(): Promise<Incident[]> {
    const all = await this.redis.hgetallBuffer(K.open);
    return Object.values(all).map((b) => fromBinary(IncidentSchema, b));
  }

  /** Writes an incident: open ones by target, closed ones by id with their closing time. */
  async saveIncident(i: Incident): Promise<void> {
    const bytes = Buffer.from(toBinary(IncidentSchema, i));
    if (i.state === IncidentState.OPEN) {
      await this.redis.hset(K.open, i.targetId, bytes);
      return;
    }
    const closedAt = i.closedAt ? timestampDate(i.closedAt).getTime() : Date.now();
    await this.redis
      .multi()
      .hdel(K.open, i.targetId)
      .hset(K.closed, i.id, bytes)
      .zadd(K.closedAt, String(closedAt), i.id)
      .exec();
    const excess = (await this.redis.zcard(K.closedAt)) - MAX_CLOSED;
    if (excess > 0) {
      const old = await this.redis.zrange(K.closedAt, "0", String(excess - 1));
      await this.redis
        .multi()
        .zrem(K.closedAt, ...old)
        .hdel(K.closed, ...old)
        .exec();
    }
  }

  /** Closed incidents, newest first. */
  async listClosed(limit: number): Promise<Incident[]> {
    const ids = await this.redis.zrevrange(K.closedAt, 0, limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.hmgetBuffer(K.closed, ...ids);
    return values.filter((b): b is Buffer => b !== null).map((b) => fromBinary(IncidentSchema, b));
  }
}
