import { isIPv4 } from "node:net";
import { VisError } from "@vis/errors";
import { DEFAULT_CACHE_DIR } from "./paths.ts";
import { formatBitrate, formatDuration } from "./units.ts";

/** What a caller may set; every field is optional and has a default. */
export interface SimulatorOptions {
  /** Number of cameras, `cam-001` … (1..500, default 4). */
  readonly cameras?: number;
  /** Loopback address to bind and to print in URLs (default `127.0.0.1`). */
  readonly host?: string;
  /** RTMP port; 0 picks a free one (default). */
  readonly rtmpPort?: number;
  /** HTTP port for HTTP-FLV, `/cameras` and `/playback`; 0 picks a free one (default). */
  readonly httpPort?: number;
  /** Video bitrate of the synthetic clip in bit/s (default 1 000 000). */
  readonly videoBitrate?: number;
  /** Where encoded clips are cached (default `<repo>/.vis/cache/simulator/`). */
  readonly cacheDir?: string;
  /** Where recordings go; default a fresh temp folder removed on close. */
  readonly dataDir?: string;
  /** Recorded segments older than this are deleted (ms, default 1 h). */
  readonly recorderRetentionMs?: number;
  /** Longest playback window a request may ask for (ms, default 1 h). */
  readonly maxPlaybackWindowMs?: number;
}

/** The validated, fully defaulted options. `dataDir` stays undefined when a temp folder is wanted. */
export interface ResolvedOptions {
  readonly cameras: number;
  readonly host: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly videoBitrate: number;
  readonly cacheDir: string;
  readonly dataDir: string | undefined;
  readonly recorderRetentionMs: number;
  readonly maxPlaybackWindowMs: number;
}

export const LIMITS = {
  cameras: { min: 1, max: 500 },
  videoBitrate: { min: 100_000, max: 20_000_000 },
  recorderRetentionMs: { min: 30_000, max: 7 * 24 * 3_600_000 },
  maxPlaybackWindowMs: { min: 1000, max: 24 * 3_600_000 },
} as const;

/** How a field is named in messages: option names for the library, flag names for the CLI. */
export type FieldNamer = (key: keyof SimulatorOptions) => string;

const asOption: FieldNamer = (key) => key;

const bitrateRule = `a bitrate ${formatBitrate(LIMITS.videoBitrate.min)}..${formatBitrate(LIMITS.videoBitrate.max)}`;
const durationRule = (l: { min: number; max: number }) =>
  `a duration ${formatDuration(l.min)}..${formatDuration(l.max)}`;

/** Validates once and fills defaults; throws `invalid_argument` naming the first bad field. */
export function resolveOptions(
  raw: SimulatorOptions,
  name: FieldNamer = asOption,
): ResolvedOptions {
  const bad = (key: keyof SimulatorOptions, rule: string): never => {
    throw new VisError("invalid_argument", `${name(key)} must be ${rule}`, { field: name(key) });
  };
  const int = (
    key: keyof SimulatorOptions,
    min: number,
    max: number,
    fallback: number,
    rule?: string,
  ) => {
    const v = raw[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      bad(key, rule ?? `an integer ${min}..${max}`);
    }
    return v as number;
  };
  const dir = (key: "cacheDir" | "dataDir"): string | undefined => {
    const v = raw[key];
    if (v !== undefined && (typeof v !== "string" || v.trim() === "" || v.includes("\0"))) {
      bad(key, "a non-empty path");
    }
    return v;
  };
  const host = raw.host ?? "127.0.0.1";
  if (typeof host !== "string" || !(isIPv4(host) || host === "localhost")) {
    bad("host", "an IPv4 address or localhost");
  }
  const { cameras, videoBitrate, recorderRetentionMs: ret, maxPlaybackWindowMs: win } = LIMITS;
  return {
    cameras: int("cameras", cameras.min, cameras.max, 4),
    host,
    rtmpPort: int("rtmpPort", 0, 65535, 0),
    httpPort: int("httpPort", 0, 65535, 0),
    videoBitrate: int("videoBitrate", videoBitrate.min, videoBitrate.max, 1_000_000, bitrateRule),
    cacheDir: dir("cacheDir") ?? DEFAULT_CACHE_DIR,
    dataDir: dir("dataDir"),
    recorderRetentionMs: int("recorderRetentionMs", ret.min, ret.max, 3_600_000, durationRule(ret)),
    maxPlaybackWindowMs: int("maxPlaybackWindowMs", win.min, win.max, 3_600_000, durationRule(win)),
  };
}
