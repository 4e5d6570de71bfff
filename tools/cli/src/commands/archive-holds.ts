import type { HoldRelease, LegalHold } from "@vis/archive";
import { VisError } from "@vis/errors";
import { flagString, type ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";
import { cliTime } from "./access.ts";

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

function required(args: ParsedArgs, name: string): string {
  const v = flagString(args, name);
  if (v === undefined || v === "") {
    throw new VisError("invalid_argument", `--${name} is required`, { field: `--${name}` });
  }
  return v;
}

/** Calls the gateway's archive edge; its JSON error (code, field, article) becomes the CLI's. */
async function call(
  args: ParsedArgs,
  method: "GET" | "POST",
  path: string,
  query: Record<string, string>,
): Promise<Record<string, unknown>> {
  const base = flagString(args, "url") ?? "http://127.0.0.1:8088";
  if (!/^https?:\/\//.test(base)) {
    throw new VisError("invalid_argument", "--url must be the gateway's http(s):// address", {
      field: "--url",
    });
  }
  const token = flagString(args, "token") ?? process.env.VIS_GRANT_TOKEN ?? "";
  if (token === "") {
    throw new VisError("invalid_argument", "--token (or VIS_GRANT_TOKEN) is required", {
      field: "--token",
      article: "Art. 24",
    });
  }
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  }).catch((err: unknown) => {
    throw new VisError("unavailable", `${base} did not answer: ${String(err)}`, { field: "--url" });
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const e = (body.error ?? {}) as {
      code?: string;
      message?: string;
      field?: string;
      article?: string;
    };
    throw new VisError(
      (e.code as ConstructorParameters<typeof VisError>[0]) ?? "unavailable",
      e.message ?? `${url.pathname} answered ${res.status}`,
      { ...(e.field ? { field: e.field } : {}), ...(e.article ? { article: e.article } : {}) },
    );
  }
  return body;
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
