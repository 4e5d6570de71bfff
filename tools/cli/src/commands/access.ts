import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import { DecisionSchema, Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { RevokedBy } from "@vis/proto/vis/access/v1/log_pb";
import {
  AgencyKind,
  AgencyLevel,
  RequestAccessRequestSchema,
} from "@vis/proto/vis/access/v1/request_pb";
import { createRpcClient } from "@vis/rpc";
import { flagString, type ParsedArgs } from "../args.ts";
import type { Output } from "../output.ts";

export const ACCESS_USAGE = `  access request --file REQ.json [--from T --to T]
                                         decide an access request (JSON of vis.access.v1.RequestAccessRequest;
                                         no requestId = a new one each call; --from/--to set the
                                         recorded window: ISO 8601, epoch ms, now, or -30s/-10m/-2h)
  access decision REQUEST_ID             the current decision on a request
  access approve REQUEST_ID --agency ID --level county|city|province --name NAME --work-id ID
         --jurisdiction D1,D2 [--refuse] [--note TEXT]      approve (or refuse) a pending request
  access revoke GRANT_ID --by approver|agency|operator --agency ID --work-id ID [--level L] [--jurisdiction D1,D2] [--reason TEXT]
  access jwks | access rotate-key        public keys of grant tokens and checkpoints; rotate the signing key`;

const LEVELS: Record<string, AgencyLevel> = {
  station: AgencyLevel.STATION,
  county: AgencyLevel.COUNTY,
  city: AgencyLevel.CITY,
  province: AgencyLevel.PROVINCE,
  national: AgencyLevel.NATIONAL,
};

function need(args: ParsedArgs, name: string): string {
  const v = flagString(args, name);
  if (v === undefined || v === "")
    throw new VisError("invalid_argument", `--${name} is required`, { field: name });
  return v;
}

function decisionText(d: JsonValue): string {
  const o = d as {
    outcome?: string;
    reasons?: { code: string; article: string; message: string }[];
    grant?: {
      grantId: string;
      endsAt: string;
      token: string;
      window?: { from: string; to: string };
    };
  };
  const lines = [
    `outcome  ${String(o.outcome ?? "")
      .replace("OUTCOME_", "")
      .toLowerCase()}`,
  ];
  for (const r of o.reasons ?? []) lines.push(`reason   ${r.code} (${r.article}): ${r.message}`);
  if (o.grant) {
    lines.push(`grant    ${o.grant.grantId} until ${o.grant.endsAt}`);
    // recorded grants: the footage window, as start=/end= of the gateway's recorded routes take it
    const w = o.grant.window;
    if (w)
      lines.push(
        `window   ${w.from} – ${w.to}  (start=${Date.parse(w.from)}&end=${Date.parse(w.to)})`,
      );
    lines.push(`token    ${o.grant.token}`);
  }
  return lines.join("\n");
}

/** `vis access …`; undefined when the command is not one of these. */
export async function runAccessCommand(
  args: ParsedArgs,
  out: Output,
  address: string,
  deadlineMs: number,
): Promise<number | undefined> {
  if (args.command !== "access") return undefined;
  const client = createRpcClient(Access, { address, deadlineMs });
  const sub = args.positional[0];
  const arg = (i: number, what: string) => {
    const v = args.positional[i];
    if (v === undefined)
      throw new VisError("invalid_argument", `access ${sub} needs ${what}`, { field: what });
    return v;
  };
  try {
    switch (sub) {
      case "request": {
        const file = need(args, "file");
        const body = JSON.parse(readFileSync(file, "utf8")) as Record<string, JsonValue>;
        // a file without a request id is a template: each call is a new request
        if (typeof body.requestId !== "string" || body.requestId === "")
          body.requestId = `req-${randomUUID()}`;
        const from = flagString(args, "from");
        const to = flagString(args, "to");
        if (from !== undefined || to !== undefined) {
          if (from === undefined || to === undefined)
            throw new VisError("invalid_argument", "--from and --to go together", {
              field: from === undefined ? "--from" : "--to",
            });
          body.window = {
            from: new Date(cliTime(from, "--from")).toISOString(),
            to: new Date(cliTime(to, "--to")).toISOString(),
          };
        }
        const req = fromJson(RequestAccessRequestSchema, body as JsonValue);
        const { decision } = await client.requestAccess(req);
        const json = decision === undefined ? {} : toJson(DecisionSchema, decision);
        out.result(json, () => decisionText(json));
        return decision?.outcome === Outcome.DENIED ? 1 : 0;
      }
      case "decision": {
        const { decision } = await client.getDecision({ requestId: arg(1, "request_id") });
        const json = decision === undefined ? {} : toJson(DecisionSchema, decision);
        out.result(json, () => decisionText(json));
        return 0;
      }
      case "approve": {
        const level = LEVELS[need(args, "level")];
        if (level === undefined)
          throw new VisError(
            "invalid_argument",
            "--level: station, county, city, province or national",
            { field: "level" },
          );
        const { decision } = await client.approve({
          requestId: arg(1, "request_id"),
          approver: {
            agencyId: need(args, "agency"),
            agencyKind: AgencyKind.POLICE,
            agencyLevel: level,
            name: need(args, "name"),
            workId: need(args, "work-id"),
          },
          approve: !args.flags.has("refuse"),
          note: flagString(args, "note") ?? "",
          jurisdiction: need(args, "jurisdiction").split(","),
        });
        const json = decision === undefined ? {} : toJson(DecisionSchema, decision);
        out.result(json, () => decisionText(json));
        return 0;
      }
      case "revoke": {
        const by = {
          approver: RevokedBy.APPROVER,
          agency: RevokedBy.REQUESTING_AGENCY,
          operator: RevokedBy.OPERATOR_OPT_OUT,
        }[need(args, "by")];
        if (by === undefined)
          throw new VisError("invalid_argument", "--by: approver, agency or operator", {
            field: "by",
          });
        const level = LEVELS[flagString(args, "level") ?? "county"] ?? AgencyLevel.COUNTY;
        const r = await client.revoke({
          grantId: arg(1, "grant_id"),
          by,
          person: {
            agencyId: need(args, "agency"),
            agencyKind: AgencyKind.POLICE,
            agencyLevel: level,
            workId: need(args, "work-id"),
            name: flagString(args, "name") ?? "",
          },
          reason: flagString(args, "reason") ?? "",
          jurisdiction: (flagString(args, "jurisdiction") ?? "").split(",").filter(Boolean),
        });
        const v = { grantId: r.grantId, revokedNow: r.revokedNow, logIndex: Number(r.logIndex) };
        out.result(v, () =>
          r.revokedNow
            ? `revoked ${r.grantId} (log entry ${r.logIndex})`
            : `${r.grantId} was already revoked`,
        );
        return 0;
      }
      case "jwks": {
        const { jwksJson } = await client.getJwks({});
        out.result(JSON.parse(jwksJson), () => jwksJson);
        return 0;
      }
      case "rotate-key": {
        const { kid } = await client.rotateSigningKey({});
        out.result({ kid }, () => `signing key is now ${kid}`);
        return 0;
      }
      default:
        throw new VisError("invalid_argument", `unknown "access ${sub ?? ""}"; run "vis help"`, {
          field: "command",
        });
    }
  } finally {
    client.close();
  }
}

/** A time on the command line: ISO 8601, epoch ms, `now`, or relative to now (`-10m`, `-2h`). */
export function cliTime(v: string, field: string, now = Date.now()): number {
  if (v === "now") return now;
  const rel = /^-(\d{1,6})(s|m|h|d)$/.exec(v);
  if (rel?.[1] !== undefined && rel[2] !== undefined) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      rel[2] as "s" | "m" | "h" | "d"
    ];
    return now - Number(rel[1]) * unit;
  }
  const t = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t))
    throw new VisError(
      "invalid_argument",
      `${field}: ISO 8601, epoch ms, now, or -30s/-10m/-2h/-1d`,
      {
        field,
      },
    );
  return t;
}
