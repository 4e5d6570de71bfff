import { VisError } from "@vis/errors";
import {
  type FieldNamer,
  type ResolvedOptions,
  resolveOptions,
  type SimulatorOptions,
} from "./options.ts";
import { formatBitrate, formatDuration, parseBitrate, parseDuration } from "./units.ts";

/** Flag ↔ option names; also names the fields in CLI error messages. */
const FLAG_OF = {
  cameras: "--cameras",
  host: "--host",
  rtmpPort: "--rtmp-port",
  httpPort: "--http-port",
  videoBitrate: "--bitrate",
  cacheDir: "--cache-dir",
  dataDir: "--data-dir",
  recorderRetentionMs: "--retention",
  maxPlaybackWindowMs: "--max-window",
} as const satisfies Record<keyof SimulatorOptions, string>;

type Key = keyof typeof FLAG_OF;
const KEY_OF = new Map(Object.entries(FLAG_OF).map(([k, f]) => [f as string, k as Key]));
const asFlag: FieldNamer = (key) => FLAG_OF[key];

export type ParsedFlags =
  | { readonly kind: "help" }
  | {
      readonly kind: "run";
      readonly options: ResolvedOptions;
      /** Print the ready line as JSON instead of the human summary. */
      readonly json: boolean;
      /** Shut down when stdin closes (set by the launcher, so a dead parent takes us down). */
      readonly exitWithStdin: boolean;
    };

function invalid(flag: string, rule: string): never {
  throw new VisError("invalid_argument", `${flag} must be ${rule}`, { field: flag });
}

function convert(key: Key, text: string): number | string {
  const flag = FLAG_OF[key];
  switch (key) {
    case "host":
    case "cacheDir":
    case "dataDir":
      return text;
    case "videoBitrate":
      return parseBitrate(text) ?? invalid(flag, "a bitrate like 1000k or 1.5M");
    case "recorderRetentionMs":
    case "maxPlaybackWindowMs":
      return parseDuration(text) ?? invalid(flag, "a duration like 90s, 30m or 1h");
    default:
      return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  }
}

/** Parses and validates argv (without node and script); throws `invalid_argument` naming the flag. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const raw: Record<string, number | string> = {};
  let json = false;
  let exitWithStdin = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--json") json = true;
    else if (arg === "--exit-with-stdin") exitWithStdin = true;
    else {
      const eq = arg.indexOf("=");
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const key = KEY_OF.get(flag);
      if (key === undefined) {
        throw new VisError("invalid_argument", `unknown flag ${flag} (see --help)`, {
          field: flag,
        });
      }
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) invalid(flag, "followed by a value");
      raw[key] = convert(key, value);
    }
  }
  return {
    kind: "run",
    options: resolveOptions(raw as SimulatorOptions, asFlag),
    json,
    exitWithStdin,
  };
}

/** The flags that reproduce resolved options in a child process. */
export function toFlags(o: ResolvedOptions): string[] {
  const out = [
    ...[FLAG_OF.cameras, String(o.cameras), FLAG_OF.host, o.host],
    ...[FLAG_OF.rtmpPort, String(o.rtmpPort), FLAG_OF.httpPort, String(o.httpPort)],
    ...[FLAG_OF.videoBitrate, formatBitrate(o.videoBitrate), FLAG_OF.cacheDir, o.cacheDir],
    ...[FLAG_OF.recorderRetentionMs, formatDuration(o.recorderRetentionMs)],
    ...[FLAG_OF.maxPlaybackWindowMs, formatDuration(o.maxPlaybackWindowMs)],
  ];
  if (o.dataDir !== undefined) out.push(FLAG_OF.dataDir, o.dataDir);
  return out;
}

export const USAGE = `Usage: vis-sim [flags]
  --cameras N        number of cameras, cam-001… (1..500, default 4)
  --host H           loopback address to bind (default 127.0.0.1)
  --rtmp-port P      RTMP port, 0 = pick a free one (default 0)
  --http-port P      HTTP-FLV + API port, 0 = pick a free one (default 0)
  --bitrate B        clip video bitrate, e.g. 1000k, 1.5M (default 1000k)
  --cache-dir D      encoded clip cache (default <repo>/.vis/cache/simulator)
  --data-dir D       recordings folder (default: a temp folder removed on exit)
  --retention T      keep recordings this long, e.g. 30m, 1h (default 1h)
  --max-window T     longest playback window, e.g. 10m (default 1h)
  --json             print one JSON ready line instead of the summary
  -h, --help         this help`;
