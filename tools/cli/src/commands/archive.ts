import { readFileSync } from "node:fs";
import {
  type ExportJwks,
  FsSegmentStore,
  type ManifestRecord,
  type SignedExportManifest,
  sha256Hex,
  verifyChain,
  verifyExport,
} from "@vis/archive";
import { VisError } from "@vis/errors";
import { flagString, type ParsedArgs } from "../args.ts";
import type { Output } from "../output.ts";
import { EXPORT_USAGE, runExportCommand } from "./archive-export.ts";
import { HOLDS_USAGE, runHoldCommand } from "./archive-holds.ts";

export const ARCHIVE_USAGE = `  archive verify CLIP MANIFEST --keys FILE|URL
                                         check an exported clip against its signed manifest (hub JWKS
                                         from a file or the gateway's /archive/keys); names each problem
  archive chain DIR CAMERA               re-check a camera's hash-chained manifest and every stored
                                         segment in a filesystem archive; names the first bad record
${HOLDS_USAGE}
${EXPORT_USAGE}`;

async function loadKeys(where: string): Promise<ExportJwks> {
  if (/^https?:\/\//.test(where)) {
    const res = await fetch(where, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok)
      throw new VisError("unavailable", `${where} answered ${res.status}`, { field: "--keys" });
    return (await res.json()) as ExportJwks;
  }
  return JSON.parse(readFileSync(where, "utf8")) as ExportJwks;
}

function need(args: ParsedArgs, i: number, name: string): string {
  const v = args.positional[i];
  if (v === undefined) {
    throw new VisError("invalid_argument", `archive ${args.positional[0]} needs ${name}`, {
      field: name,
    });
  }
  return v;
}

/** `vis archive …`; undefined when the command is not one of these. */
export async function runArchiveCommand(
  args: ParsedArgs,
  out: Output,
): Promise<number | undefined> {
  if (args.command !== "archive") return undefined;
  const sub = args.positional[0];
  if (sub === "verify") {
    const clip = readFileSync(need(args, 1, "CLIP"));
    const manifest = JSON.parse(
      readFileSync(need(args, 2, "MANIFEST"), "utf8"),
    ) as SignedExportManifest;
    const keys = flagString(args, "keys");
    if (keys === undefined) {
      throw new VisError(
        "invalid_argument",
        "--keys FILE|URL (the hub's export JWKS) is required",
        {
          field: "--keys",
        },
      );
    }
    const problems = verifyExport(clip, manifest, await loadKeys(keys));
    const value = {
      verified: problems.length === 0,
      problems,
      exportId: manifest.exportId,
      camera: manifest.camera,
      window: manifest.window,
      grantId: manifest.grantId,
      officers: manifest.officers,
      clipSha256: sha256Hex(clip),
    };
    out.result(value, () =>
      problems.length === 0
        ? `verified: ${manifest.exportId} camera ${manifest.camera} ${new Date(manifest.window.fromMs).toISOString()} – ${new Date(manifest.window.toMs).toISOString()}, grant ${manifest.grantId}, officers ${manifest.officers.join(", ")}`
        : `NOT VERIFIED: ${problems.join(", ")}`,
    );
    return problems.length === 0 ? 0 : 1;
  }
  if (sub === "chain") {
    const store = new FsSegmentStore(need(args, 1, "DIR"));
    const camera = need(args, 2, "CAMERA");
    const records: ManifestRecord[] = [];
    for await (const o of store.list(`man/${camera}/`)) {
      records.push(JSON.parse((await store.get(o.key)).toString("utf8")) as ManifestRecord);
    }
    const hashes = new Map<string, string | undefined>();
    for (const r of records) {
      if (r.kind !== "segment") continue;
      const b = await store.get(r.key).catch(() => undefined);
      hashes.set(r.key, b === undefined ? undefined : sha256Hex(b));
    }
    const problems = verifyChain(records, (k) => hashes.get(k));
    out.result({ camera, records: records.length, problems }, () =>
      problems.length === 0
        ? `ok: ${records.length} records, chain and segments intact`
        : problems.map((p) => `seq ${p.seq} ${p.problem} ${p.key}`).join("\n"),
    );
    return problems.length === 0 ? 0 : 1;
  }
  const held = (await runHoldCommand(args, out)) ?? (await runExportCommand(args, out));
  if (held !== undefined) return held;
  throw new VisError("invalid_argument", `unknown archive command "${sub ?? ""}"; see vis help`, {
    field: "command",
  });
}
