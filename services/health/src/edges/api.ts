import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { HealthMonitor, type WatchResponseSchema } from "@vis/proto/vis/health/v1/monitor_pb";
import {
  type Incident,
  IncidentState,
  ProbeTargetSchema,
  State,
  TargetOrigin,
} from "@vis/proto/vis/health/v1/status_pb";
import type { RpcServer } from "@vis/rpc";
import type { InstanceDirectory } from "../instance-directory.ts";
import type { Monitor } from "../monitor.ts";
import type { HealthStore } from "../store/health-store.ts";
import { matches, rollups, statusOf } from "../views.ts";
import { checkTarget } from "./target-rules.ts";
import type { WatchHub } from "./watch-hub.ts";

export interface ApiDeps {
  readonly monitor: Monitor;
  readonly store: HealthStore;
  readonly directory: InstanceDirectory;
  readonly watch: WatchHub;
  readonly defaultCycleMs: number;
  readonly now: () => number;
}

const pageOf = <T>(items: T[], key: (t: T) => string, size: number, token: string) => {
  const sorted = items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = token === "" ? 0 : sorted.findIndex((t) => key(t) > token);
  const page = start < 0 ? [] : sorted.slice(start, start + size);
  const last = page[page.length - 1];
  const more = start >= 0 && start + size < sorted.length;
  return { page, next: more && last !== undefined ? key(last) : "" };
};

const millis = (i: Incident, f: "detectedAt" | "closedAt") => {
  const t = i[f];
  return t ? timestampDate(t).getTime() : 0;
};

/** `vis.health.v1.HealthMonitor`: instances, targets, status, roll-ups, incidents, Watch. */
export function addHealthApi(rpc: RpcServer, d: ApiDeps): void {
  rpc.add(HealthMonitor, {
    listInstances: async (req) => ({ instances: await d.directory.list(req.service) }),

    upsertTargets: async (req) => {
      const seen = new Set<string>();
      req.targets.forEach((t, i) => {
        checkTarget(t, `targets[${i}]`, d.defaultCycleMs);
        if (seen.has(t.id)) {
          throw new VisError("invalid_argument", `targets[${i}].id: "${t.id}" appears twice`, {
            field: `targets[${i}].id`,
          });
        }
        seen.add(t.id);
        const existing = d.monitor.target(t.id);
        if (existing?.origin === TargetOrigin.REGISTRY) {
          throw new VisError(
            "failed_precondition",
            `targets[${i}].id: "${t.id}" comes from the registry; change it there`,
            { field: `targets[${i}].id` },
          );
        }
      });
      const targets = req.targets.map((t) =>
        create(ProbeTargetSchema, { ...t, origin: TargetOrigin.DIRECT }),
      );
      await d.monitor.upsert(targets);
      return { upserted: targets.length };
    },

    removeTargets: async (req) => {
      req.ids.forEach((id, i) => {
        if (d.monitor.target(id)?.origin === TargetOrigin.REGISTRY) {
          throw new VisError("failed_precondition", `ids[${i}]: "${id}" comes from the registry`, {
            field: `ids[${i}]`,
          });
        }
      });
      return { removed: await d.monitor.remove(req.ids) };
    },

    listTargets: (req) => {
      const all = d.monitor
        .targets()
        .filter((t) => req.origin === TargetOrigin.UNSPECIFIED || t.origin === req.origin);
      const { page, next } = pageOf(all, (t) => t.id, req.pageSize || 500, req.pageToken);
      return { targets: page, nextPageToken: next };
    },

    reportStatus: (req) => {
      req.reports.forEach((r, i) => {
        const t = d.monitor.target(r.targetId);
        const field = `reports[${i}].target_id`;
        if (t === undefined)
          throw new VisError("not_found", `${field}: no target "${r.targetId}"`, { field });
        if (t.systemId !== req.systemId) {
          throw new VisError(
            "permission_denied",
            `${field}: "${r.targetId}" belongs to system "${t.systemId}", not "${req.systemId}"`,
            { field },
          );
        }
      });
      const now = d.now();
      for (const r of req.reports) {
        d.monitor.report(r.targetId, {
          state: r.state === State.UNSPECIFIED ? undefined : r.state,
          fps: r.fps > 0 ? r.fps : undefined,
          bitrateKbps: r.bitrateKbps > 0 ? r.bitrateKbps : undefined,
          recordingGapSeconds: r.recordingGapSeconds,
          reason: r.reason,
          at: r.observedAt ? Math.min(timestampDate(r.observedAt).getTime(), now) : now,
        });
      }
      return { accepted: req.reports.length };
    },

    listStatus: (req) => {
      const ids = d.monitor
        .targets()
        .filter((t) => matches(req.filter, t, d.monitor.tracker(t.id)?.snap.state ?? State.UNKNOWN))
        .map((t) => t.id);
      const { page, next } = pageOf(ids, (id) => id, req.pageSize || 500, req.pageToken);
      return {
        statuses: page.flatMap((id) => statusOf(d.monitor, id) ?? []),
        nextPageToken: next,
      };
    },

    getRollup: (req) => ({ rollups: rollups(d.monitor, req.level, req.key) }),

    listIncidents: async (req) => {
      const limit = req.limit || 100;
      const now = d.now();
      const fits = (i: Incident) =>
        (req.targetId === "" || i.targetId === req.targetId) &&
        (req.operator === "" || i.operator === req.operator);
      const open =
        req.state === IncidentState.CLOSED ? [] : d.monitor.book.openIncidents().filter(fits);
      for (const i of open)
        i.overdue = i.repairDueAt ? now > timestampDate(i.repairDueAt).getTime() : false;
      const closed =
        req.state === IncidentState.OPEN
          ? []
          : (
              await d.store.listClosed(req.targetId === "" && req.operator === "" ? limit : 10_000)
            ).filter(fits);
      open.sort((a, b) => millis(b, "detectedAt") - millis(a, "detectedAt"));
      return { incidents: [...open, ...closed].slice(0, limit) };
    },

    listOverdue: (req) => {
      const groups = d.monitor.book.overdue(d.now(), req.operator);
      return {
        operators: [...groups].map(([operator, incidents]) => ({ operator, incidents })),
      };
    },

    watch: async (req, ctx, send) => {
      const initial: MessageInitShape<typeof WatchResponseSchema>[] = [];
      if (req.initial) {
        for (const t of d.monitor.targets()) {
          const s = statusOf(d.monitor, t.id);
          if (s && matches(req.filter, t, s.state)) {
            initial.push({
              change: {
                case: "status",
                value: {
                  meta: d.watch.meta(`initial:${t.id}`),
                  status: s,
                  previous: State.UNSPECIFIED,
                },
              },
            });
          }
        }
      }
      await d.watch.serve(req.filter, ctx.signal, send, initial);
    },
  });
}
