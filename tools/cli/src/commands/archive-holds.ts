import type { HoldRelease, LegalHold } from "@vis/archive";
import { VisError } from "@vis/errors";
import type { ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";
import { cliTime } from "./access.ts";
import { gatewayCall as call, required } from "./gateway-http.ts";

export const HOLDS_USAGE = `  archive holds --camera C --start T --end T
                                         legal holds on a window, in force and released
  archive hold --camera C --start T --end T --case CASE
                                         keep that footage past retention for a case (a retrieve grant)
  archive release HOLD --camera C --reason TEXT
                                         end a hold (only the agency that placed it; a retrieve grant
                                         over the hold's window); registered in the log
                                         (these take --url GATEWAY (http://127.0.0.1:8088) and
                                         --token GRANT or VIS_GRANT_TOKEN; T = ISO 8601, epoch ms,
                                         now, or -30s/-10m/-2h)`;

interface HoldView {
  readonly hold: LegalHold;
  readonly release?: HoldRelease;
}

const iso = (ms: number) => new Date(ms).toISOString();

function holdRows(holds: readonly HoldView[]): string {
  return table(
    ["hold", "window", "case / grant", "placed by", "state"],
    holds.map(({ hold: h, release: r }) => [
      h.id,
      `${iso(h.fromMs)} – ${iso(h.toMs)}`,
      h.caseId || `grant ${h.grantId}`,
      `${h.agencyId ?? ""} ${(h.officers ?? []).join(",")}`.trim(),
      r === undefined ? "in force" : `released ${iso(r.releasedAt)} by ${r.agencyId}: ${r.reason}`,
    ]),
  );
}

/** `vis archive holds|hold|release`; undefined when the subcommand is not one of these. */
export async function runHoldCommand(args: ParsedArgs, out: Output): Promise<number | undefined> {
  const sub = args.positional[0];
  if (sub === "holds") {
    const body = await call(args, "GET", "/archive/holds", {
      camera: required(args, "camera"),
      start: String(cliTime(required(args, "start"), "--start")),
      end: String(cliTime(required(args, "end"), "--end")),
    });
    const holds = (body.holds ?? []) as HoldView[];
    out.result(holds, () =>
      holds.length === 0 ? "no legal holds on this window" : holdRows(holds),
    );
    return 0;
  }
  if (sub === "hold") {
    const body = await call(args, "POST", "/archive/holds", {
      camera: required(args, "camera"),
      start: String(cliTime(required(args, "start"), "--start")),
      end: String(cliTime(required(args, "end"), "--end")),
      case: required(args, "case"),
    });
    const hold = body.hold as LegalHold;
    out.result(hold, () => `placed legal hold ${hold.id} for case ${hold.caseId}`);
    return 0;
  }
  if (sub === "release") {
    const id = args.positional[1];
    if (id === undefined) {
      throw new VisError("invalid_argument", "archive release needs HOLD (the hold id)", {
        field: "HOLD",
      });
    }
    const camera = required(args, "camera");
    const body = await call(
      args,
      "POST",
      `/archive/holds/${encodeURIComponent(camera)}/${encodeURIComponent(id)}/release`,
      { reason: required(args, "reason") },
    );
    out.result(body, () => `released legal hold ${id}`);
    return 0;
  }
  return undefined;
}
