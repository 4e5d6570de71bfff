import type { Archive } from "@vis/archive";
import { VisError } from "@vis/errors";
import { WindowCutter } from "./window-cutter.ts";

/** Where a camera's recordings are: the hub's archive, or the operator's playback endpoint. */
export interface RecordingLocator {
  /** True when the hub records this camera ("archived by the hub"). */
  archivedByHub(camera: string): boolean;
  /** The operator's playback URL template (registry form: `{start}`/`{end}` RFC 3339, `{start_unix}`/`{end_unix}` epoch s, `{start_ms}`/`{end_ms}`), or undefined. */
  playbackTemplate(camera: string): string | undefined;
}

/** Fills a playback template with the window. */
export function playbackUrl(
  template: string,
  camera: string,
  fromMs: number,
  toMs: number,
): string {
  return template
    .replaceAll("{camera}", encodeURIComponent(camera))
    .replaceAll("{start}", encodeURIComponent(new Date(fromMs).toISOString()))
    .replaceAll("{end}", encodeURIComponent(new Date(toMs).toISOString()))
    .replaceAll("{start_unix}", String(Math.floor(fromMs / 1000)))
    .replaceAll("{end_unix}", String(Math.ceil(toMs / 1000)))
    .replaceAll("{start_ms}", String(fromMs))
    .replaceAll("{end_ms}", String(toMs));
}

/**
 * The window's FLV, cut exactly (see `WindowCutter`), from hub segments or relayed from the
 * operator's recorder. Yields nothing until the first keyframe inside the window.
 */
export async function* windowFlv(
  archive: Archive,
  locator: RecordingLocator,
  camera: string,
  fromMs: number,
  toMs: number,
  signal?: AbortSignal,
  cutter: WindowCutter = new WindowCutter(fromMs, toMs),
): AsyncGenerator<Buffer> {
  if (locator.archivedByHub(camera)) {
    const plan = await archive.plan(camera, fromMs, toMs);
    if (plan.segments.length === 0) {
      throw new VisError("not_found", `nothing recorded for ${camera} in this window`, {
        field: "start",
      });
    }
    for (const seg of plan.segments) {
      if (signal?.aborted || cutter.done) return;
      cutter.startFile(seg.startMs);
      const out = cutter.push(await archive.read(seg));
      if (out.length > 0) yield Buffer.concat(out);
    }
    return;
  }
  const template = locator.playbackTemplate(camera);
  if (template === undefined) {
    throw new VisError("not_found", `camera ${camera} has no recordings reachable from the hub`, {
      field: "camera",
    });
  }
  const res = await fetch(playbackUrl(template, camera, fromMs, toMs), {
    signal: signal ?? AbortSignal.timeout(30_000),
  }).catch((err) => {
    throw new VisError("unavailable", "the operator's recorder did not answer", { cause: err });
  });
  if (!res.ok || res.body === null) {
    throw new VisError(
      res.status === 404 ? "not_found" : "unavailable",
      `the operator's recorder answered ${res.status}`,
      { field: res.status === 404 ? "start" : undefined },
    );
  }
  const startHeader = res.headers.get("x-vis-playback-start");
  const first = startHeader === null ? Number.NaN : Date.parse(startHeader);
  cutter.startFile(undefined, Number.isFinite(first) ? first : fromMs);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const out = cutter.push(Buffer.from(chunk));
    if (out.length > 0) yield Buffer.concat(out);
    if (cutter.done) break;
  }
}
