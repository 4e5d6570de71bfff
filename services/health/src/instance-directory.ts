import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Instance, InstanceSchema, InstanceState } from "@vis/proto/vis/health/v1/monitor_pb";
import type { InstanceStarted, InstanceStopping } from "@vis/proto/vis/ops/v1/instance_pb";
import type { Redis } from "ioredis";

const KEY = "vis:health:instances";

/**
 * The service instances announced on the bus, kept in one Redis hash (instance id → protobuf).
 * A rebuildable projection: the `VIS_OPS` stream is the record, a fresh consumer replays it.
 * Events may arrive twice or out of order; an older event never overwrites a newer one.
 */
export class InstanceDirectory {
  constructor(private readonly redis: Redis) {}

  async started(e: InstanceStarted, eventTime: Date, traceId: string): Promise<void> {
    await this.apply(e.instanceId, eventTime, (prev) => ({
      service: e.service,
      instanceId: e.instanceId,
      version: e.version,
      grpcAddress: e.grpcAddress,
      metricsUrl: e.metricsUrl,
      startedAt: e.startedAt,
      lastSeen: timestampFromDate(eventTime),
      state: prev?.state === InstanceState.STOPPED ? InstanceState.STOPPED : InstanceState.UP,
      traceId,
    }));
  }

  async stopping(e: InstanceStopping, eventTime: Date): Promise<void> {
    await this.apply(e.instanceId, eventTime, (prev) => ({
      ...(prev ?? { service: e.service, instanceId: e.instanceId }),
      lastSeen: timestampFromDate(eventTime),
      state: InstanceState.STOPPED,
    }));
  }

  async list(service: string): Promise<Instance[]> {
    const all = await this.redis.hgetallBuffer(KEY);
    return Object.values(all)
      .map((bytes) => fromBinary(InstanceSchema, bytes))
      .filter((i) => service === "" || i.service === service)
      .sort(
        (a, b) => a.service.localeCompare(b.service) || millis(b.startedAt) - millis(a.startedAt),
      );
  }

  private async apply(
    instanceId: string,
    eventTime: Date,
    next: (prev: Instance | undefined) => MessageInitShape<typeof InstanceSchema>,
  ): Promise<void> {
    const raw = await this.redis.hgetBuffer(KEY, instanceId);
    const prev = raw ? fromBinary(InstanceSchema, raw) : undefined;
    // A started event replayed after the stop must not bring the instance back up, and a stale
    // event must not move last_seen backwards.
    if (
      prev?.lastSeen &&
      millis(prev.lastSeen) > eventTime.getTime() &&
      prev.state === InstanceState.STOPPED
    )
      return;
    const value = create(InstanceSchema, next(prev));
    if (prev?.lastSeen && millis(prev.lastSeen) > eventTime.getTime())
      value.lastSeen = prev.lastSeen;
    await this.redis.hset(KEY, instanceId, Buffer.from(toBinary(InstanceSchema, value)));
  }
}

function millis(t: Timestamp | undefined): number {
  return t ? timestampDate(t).getTime() : 0;
}
