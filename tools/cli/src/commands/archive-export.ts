import { writeFileSync } from "node:fs";
import { type ExportJwks, type SignedExportManifest, sha256Hex, verifyExport } from "@vis/archive";
import { VisError } from "@vis/errors";
import { flagString, type ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";
import { cliTime } from "./access.ts";
import { gatewayCall, gatewayRequest, required } from "./gateway-http.ts";

export const EXPORT_USAGE = `  archive export --camera C --start T --end T --out PREFIX [--piece 30m]
                                         copy a granted window as MP4 (an export grant): one export
                                         per piece (the gateway bounds one export's length), each
                                         registered, downloaded with its signed manifest and
                                         verified; writes PREFIX[-N].mp4 and PREFIX[-N].json`;

/** `--piece`: 1 s to 2 h, as `90s`, `10m` or `1h`. */
export function pieceLength(v: string): number {
  const m = /^(\d{1,4})(s|m|h)$/.exec(v);
  const ms =
    m?.[1] === undefined
      ? Number.NaN
      : Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "s"];
  if (!(ms >= 1000 && ms <= 7_200_000)) {
    throw new VisError("invalid_argument", "--piece: 1s to 2h, e.g. 90s, 10m, 1h", {
      field: "--piece",
    });
  }
  return ms;
}

/** [from, to) cut into pieces of at most `pieceMs`. */
export function exportPieces(fromMs: number, toMs: number, pieceMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = fromMs; t < toMs; t += pieceMs) out.push([t, Math.min(toMs, t + pieceMs)]);
  return out;
}

/** `vis archive export`; undefined when the subcommand is another. */
export async function runExportCommand(args: ParsedArgs, out: Output): Promise<number | undefined> {
  if (args.positional[0] !== "export") return undefined;
  const camera = required(args, "camera");
  const fromMs = cliTime(required(args, "start"), "--start");
  const toMs = cliTime(required(args, "end"), "--end");
  const prefix = required(args, "out");
  if (toMs <= fromMs) {
    throw new VisError("invalid_argument", "--end must be after --start", { field: "--end" });
  }
  const pieceMs = pieceLength(flagString(args, "piece") ?? "30m");
  const keys = (await gatewayCall(args, "GET", "/archive/keys", {})) as unknown as ExportJwks;
  const pieces = exportPieces(fromMs, toMs, pieceMs);
  const rows: Record<string, unknown>[] = [];
  let failed = 0;
  for (const [i, [start, end]] of pieces.entries()) {
    const name = pieces.length === 1 ? prefix : `${prefix}-${i + 1}`;
    const made = await gatewayCall(
      args,
      "POST",
      "/archive/exports",
      { camera, start: String(start), end: String(end) },
      { timeoutMs: 600_000 },
    );
    const manifest = made.manifest as SignedExportManifest;
    const res = await gatewayRequest(args, "GET", String(made.clip), {}, { timeoutMs: 600_000 });
    const clip = Buffer.from(await res.arrayBuffer());
    const problems = verifyExport(clip, manifest, keys);
    if (problems.length > 0) failed++;
    writeFileSync(`${name}.mp4`, clip);
    writeFileSync(`${name}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    rows.push({
      file: `${name}.mp4`,
      exportId: manifest.exportId,
      from: new Date(manifest.window.fromMs).toISOString(),
      to: new Date(manifest.window.toMs).toISOString(),
      bytes: clip.length,
      sha256: sha256Hex(clip),
      verified: problems.length === 0,
      problems,
    });
  }
  out.result(rows, () =>
    table(
      ["file", "export", "window", "bytes", "verified"],
      rows.map((r) => [
        String(r.file),
        String(r.exportId),
        `${r.from} – ${r.to}`,
        String(r.bytes),
        r.verified ? "yes" : `NO: ${(r.problems as string[]).join(", ")}`,
      ]),
    ),
  );
  return failed === 0 ? 0 : 1;
}
