import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { StatusFilter } from "@vis/proto/vis/health/v1/monitor_pb";
import {
  type Rollup,
  RollupLevel,
  RollupSchema,
  State,
  type TargetStatus,
  TargetStatusSchema,
} from "@vis/proto/vis/health/v1/status_pb";
import type { Monitor } from "./monitor.ts";

const ts = (ms: number) => (ms > 0 ? timestampFromMs(ms) : undefined);

/** The API view of one target's status, with availability over 1 h, 24 h and 30 d. */
export function statusOf(monitor: Monitor, id: string): TargetStatus | undefined {
  const target = monitor.target(id);
  const tracker = monitor.tracker(id);
  if (target === undefined || tracker === undefined) return undefined;
  const s = tracker.snap;
  return create(TargetStatusSchema, {
    targetId: id,
    kind: target.kind,
    name: target.name,
    state: s.state,
    reason: s.reason,
    since: ts(s.since),
    lastProbeAt: ts(s.lastProbeAt),
    lastOkAt: ts(s.lastOkAt),
    latencyMs: s.latencyMs,
    consecutiveFailures: s.consecutiveFailures,
    systemId: target.systemId,
    agencyId: target.agencyId,
    district: target.district,
    operator: target.operator,
    availability: monitor.availability(id),
    incidentId: monitor.book.openFor(id)?.id ?? "",
  });
}

/** Whether a target (by its registered fields and state) passes a filter. */
export function matches(
  f: StatusFilter | undefined,
  t: { id: string; systemId: string; agencyId: string; district: string },
  state: State,
): boolean {
  if (f === undefined) return true;
  if (f.targetIds.length > 0 && !f.targetIds.includes(t.id)) return false;
  if (f.systemId !== "" && f.systemId !== t.systemId) return false;
  if (f.agencyId !== "" && f.agencyId !== t.agencyId) return false;
  if (f.district !== "" && f.district !== t.district) return false;
  if (f.states.length > 0 && !f.states.includes(state)) return false;
  return true;
}

/** Counts per system, agency or district, with the mean availability of the group's targets. */
export function rollups(monitor: Monitor, level: RollupLevel, key: string): Rollup[] {
  const groups = new Map<string, { r: Rollup; sums: number[]; counts: number[] }>();
  for (const target of monitor.targets()) {
    const k =
      level === RollupLevel.SYSTEM
        ? target.systemId
        : level === RollupLevel.AGENCY
          ? target.agencyId
          : target.district;
    if (key !== "" && k !== key) continue;
    let g = groups.get(k);
    if (g === undefined) {
      g = { r: create(RollupSchema, { level, key: k }), sums: [0, 0, 0], counts: [0, 0, 0] };
      groups.set(k, g);
    }
    const state = monitor.tracker(target.id)?.snap.state ?? State.UNKNOWN;
    g.r.total++;
    if (state === State.ONLINE) g.r.online++;
    else if (state === State.DEGRADED) g.r.degraded++;
    else if (state === State.OFFLINE) g.r.offline++;
    else if (state === State.MAINTENANCE) g.r.maintenance++;
    else g.r.unknown++;
    if (monitor.book.openFor(target.id)) g.r.openIncidents++;
    const a = monitor.availability(target.id);
    [a.hour, a.day, a.month].forEach((v, i) => {
      if (v < 0) return;
      g.sums[i] = (g.sums[i] ?? 0) + v;
      g.counts[i] = (g.counts[i] ?? 0) + 1;
    });
  }
  return [...groups.values()]
    .map(({ r, sums, counts }) => {
      const mean = (i: number) => ((counts[i] ?? 0) > 0 ? (sums[i] ?? 0) / (counts[i] ?? 1) : -1);
      r.availability = {
        $typeName: "vis.health.v1.Availability",
        hour: mean(0),
        day: mean(1),
        month: mean(2),
      };
      return r;
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}
