import { readFileSync } from "node:fs";
import { type DescMessage, fromJson, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import {
  HealthMonitor,
  OperatorOverdueSchema,
  UpsertTargetsRequestSchema,
  WatchResponseSchema,
} from "@vis/proto/vis/health/v1/monitor_pb";
import {
  type Incident,
  IncidentSchema,
  IncidentState,
  RollupLevel,
  RollupSchema,
  State,
  type TargetStatus,
  TargetStatusSchema,
} from "@vis/proto/vis/health/v1/status_pb";
import { createRpcClient } from "@vis/rpc";
import { flagString, type ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";

export const HEALTH_USAGE = `  health-status [--system S] [--agency A] [--district D] [--state offline,degraded]
                              camera/endpoint status from the health monitor
  health-status --rollup system|agency|district [--key K]   counts and availability per group
  health-targets import FILE  register probe targets from a JSON file ({"targets":[…]})
  incidents [--state open|closed|overdue] [--target ID] [--operator OP] [--limit N]
  watch [--system S] [--agency A] [--district D] [--initial yes]   stream status and incident changes`;

/** Protobuf JSON (uint64 as strings, enums by name), every field present. */
const js = <D extends DescMessage>(schema: D, items: readonly MessageShape<D>[]) =>
  items.map((m) => toJson(schema, m, { alwaysEmitImplicit: true }));
const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : "");
const pct = (v: number | undefined) =>
  v === undefined || v < 0 ? "-" : `${(v * 100).toFixed(2)}%`;
const stateName = (s: State) => (State[s] ?? "UNSPECIFIED").toLowerCase();
const dur = (ms: bigint) => {
  const s = Number(ms) / 1000;
  return s < 120
    ? `${s.toFixed(1)}s`
    : s < 7200
      ? `${(s / 60).toFixed(1)}m`
      : `${(s / 3600).toFixed(1)}h`;
};

function parseStates(v: string | undefined): State[] {
  if (v === undefined) return [];
  return v.split(",").map((name) => {
    const s = State[name.trim().toUpperCase() as keyof typeof State];
    if (s === undefined || s === State.UNSPECIFIED) {
      throw new VisError(
        "invalid_argument",
        `--state: unknown state "${name}" (online, degraded, offline, unknown, maintenance)`,
        {
          field: "--state",
        },
      );
    }
    return s;
  });
}

const filterOf = (args: ParsedArgs) => ({
  systemId: flagString(args, "system") ?? "",
  agencyId: flagString(args, "agency") ?? "",
  district: flagString(args, "district") ?? "",
});

export function statusRows(statuses: readonly TargetStatus[]): string {
  if (statuses.length === 0) return "no targets";
  return table(
    ["TARGET", "STATE", "SINCE", "REASON", "SYSTEM", "AVAIL 1H", "24H", "30D", "INCIDENT"],
    statuses.map((s) => [
      s.targetId,
      stateName(s.state),
      iso(s.since),
      s.reason,
      s.systemId,
      pct(s.availability?.hour),
      pct(s.availability?.day),
      pct(s.availability?.month),
      s.incidentId,
    ]),
  );
}

export function incidentRows(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return "no incidents";
  return table(
    [
      "INCIDENT",
      "STATE",
      "SEVERITY",
      "TARGET",
      "OPERATOR",
      "DETECTED",
      "TTD",
      "TTR",
      "OVERDUE",
      "REASON",
    ],
    incidents.map((i) => [
      i.id,
      i.state === IncidentState.OPEN ? "open" : "closed",
      stateName(i.severity),
      i.targetId,
      i.operator,
      iso(i.detectedAt),
      dur(i.timeToDetectMs),
      i.state === IncidentState.OPEN ? "-" : dur(i.timeToRepairMs),
      i.overdue ? "yes" : "",
      i.reason,
    ]),
  );
}

/**
 * The health monitor's commands. Returns the exit code, or undefined when `command` is not one of
 * them.
 */
export async function runHealthCommand(
  args: ParsedArgs,
  out: Output,
  address: string,
  deadlineMs: number,
): Promise<number | undefined> {
  const known = ["health-status", "health-targets", "incidents", "watch"];
  if (!known.includes(args.command ?? "")) return undefined;
  const client = createRpcClient(HealthMonitor, { address, deadlineMs });
  try {
    switch (args.command) {
      case "health-status": {
        const rollup = flagString(args, "rollup");
        if (rollup !== undefined) {
          const level = {
            system: RollupLevel.SYSTEM,
            agency: RollupLevel.AGENCY,
            district: RollupLevel.DISTRICT,
          }[rollup];
          if (level === undefined) {
            throw new VisError(
              "invalid_argument",
              `--rollup must be system, agency or district, got "${rollup}"`,
              {
                field: "--rollup",
              },
            );
          }
          const { rollups } = await client.getRollup({ level, key: flagString(args, "key") ?? "" });
          out.result(js(RollupSchema, rollups), () =>
            table(
              [
                "KEY",
                "TOTAL",
                "ONLINE",
                "DEGRADED",
                "OFFLINE",
                "UNKNOWN",
                "MAINT",
                "INCIDENTS",
                "AVAIL 1H",
                "24H",
                "30D",
              ],
              rollups.map((r) => [
                r.key,
                ...[
                  r.total,
                  r.online,
                  r.degraded,
                  r.offline,
                  r.unknown,
                  r.maintenance,
                  r.openIncidents,
                ].map(String),
                pct(r.availability?.hour),
                pct(r.availability?.day),
                pct(r.availability?.month),
              ]),
            ),
          );
          return 0;
        }
        const statuses: TargetStatus[] = [];
        let pageToken = "";
        for (let page = 0; page < 1000; page++) {
          const res = await client.listStatus({
            filter: { ...filterOf(args), states: parseStates(flagString(args, "state")) },
            pageSize: 5000,
            pageToken,
          });
          statuses.push(...res.statuses);
          pageToken = res.nextPageToken;
          if (pageToken === "") break;
        }
        out.result(js(TargetStatusSchema, statuses), () => statusRows(statuses));
        return statuses.some((s) => s.state === State.OFFLINE) ? 1 : 0;
      }
      case "health-targets": {
        const [verb, file] = args.positional;
        if (verb !== "import" || file === undefined) {
          throw new VisError("invalid_argument", "usage: vis health-targets import FILE", {
            field: "command",
          });
        }
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(file, "utf8"));
        } catch (err) {
          throw new VisError("invalid_argument", `${file}: ${(err as Error).message}`, {
            field: "file",
          });
        }
        const req = fromJson(
          UpsertTargetsRequestSchema,
          (Array.isArray(json) ? { targets: json } : json) as never,
        );
        const res = await client.upsertTargets(req);
        out.result(res, () => `${res.upserted} targets registered`);
        return 0;
      }
      case "incidents": {
        const state = flagString(args, "state") ?? "open";
        if (state === "overdue") {
          const { operators } = await client.listOverdue({
            operator: flagString(args, "operator") ?? "",
          });
          out.result(js(OperatorOverdueSchema, operators), () =>
            operators.length === 0
              ? "no overdue repairs"
              : operators
                  .map((o) => `${o.operator} (${o.incidents.length})\n${incidentRows(o.incidents)}`)
                  .join("\n\n"),
          );
          return operators.length > 0 ? 1 : 0;
        }
        const s = {
          open: IncidentState.OPEN,
          closed: IncidentState.CLOSED,
          all: IncidentState.UNSPECIFIED,
        }[state];
        if (s === undefined) {
          throw new VisError(
            "invalid_argument",
            `--state must be open, closed, all or overdue, got "${state}"`,
            {
              field: "--state",
            },
          );
        }
        const limit = Number(flagString(args, "limit") ?? "100");
        const { incidents } = await client.listIncidents({
          state: s,
          targetId: flagString(args, "target") ?? "",
          operator: flagString(args, "operator") ?? "",
          limit: Number.isInteger(limit) && limit > 0 ? limit : 100,
        });
        out.result(js(IncidentSchema, incidents), () => incidentRows(incidents));
        return 0;
      }
      default: {
        const stream = client.watch(
          { filter: filterOf(args), initial: flagString(args, "initial") === "yes" },
          { deadlineMs: 2_147_000_000 },
        );
        for await (const c of stream) {
          if (out.json) process.stdout.write(`${JSON.stringify(toJson(WatchResponseSchema, c))}\n`);
          else if (c.change.case === "status") {
            const s = c.change.value.status;
            process.stdout.write(
              `${iso(c.change.value.meta?.time)} status ${s?.targetId} ${stateName(c.change.value.previous)} → ${stateName(s?.state ?? State.UNSPECIFIED)} ${s?.reason ?? ""}\n`,
            );
          } else if (c.change.case === "incident") {
            const i = c.change.value.incident;
            process.stdout.write(
              `${iso(c.change.value.meta?.time)} incident ${i?.id} ${i?.state === IncidentState.OPEN ? "open" : `closed after ${dur(i?.timeToRepairMs ?? 0n)}`} ${i?.reason ?? ""}\n`,
            );
          }
        }
        return 0;
      }
    }
  } finally {
    client.close();
  }
}
