/**
 * Small parsers for the human-friendly values the CLI accepts: bitrates (`1000k`, `1.5M`) and
 * durations (`90s`, `30m`, `1h`, `500ms`). They return undefined on anything else; callers turn
 * that into an `invalid_argument` naming their own field.
 */

const BITRATE = /^(\d+(?:\.\d+)?)([kKmM]?)$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Bits per second from `800000`, `1000k` or `1.5M` (ffmpeg's spelling); undefined if malformed. */
export function parseBitrate(text: string): number | undefined {
  const m = BITRATE.exec(text.trim());
  if (m === null) return undefined;
  const value = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const factor = unit === "k" ? 1000 : unit === "m" ? 1_000_000 : 1;
  return Math.round(value * factor);
}

/** Milliseconds from `500ms`, `90s`, `30m` or `1h`; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  const unit = DURATION_UNIT_MS[m[2] ?? ""];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** The shortest exact spelling of a duration in ms, for messages and child-process flags. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `20M` / `1000k` style when exact, plain bit/s otherwise. */
export function formatBitrate(bps: number): string {
  if (bps % 1_000_000 === 0) return `${bps / 1_000_000}M`;
  return bps % 1000 === 0 ? `${bps / 1000}k` : String(bps);
}
