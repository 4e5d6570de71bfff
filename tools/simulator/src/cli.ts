import { VisError } from "@vis/errors";
import { parseFlags, USAGE } from "./flags.ts";
import type { ReadyInfo } from "./info.ts";
import type { ResolvedOptions } from "./options.ts";
import { runSimulator } from "./simulator.ts";
import { formatDuration } from "./units.ts";

/**
 * `vis-sim`: runs the simulator in this process until SIGINT/SIGTERM/SIGHUP, the parent's death
 * (its pid changes) or, with `--exit-with-stdin`, stdin closing. Exit codes: 0 clean stop,
 * 1 failure, 2 bad flags.
 */

const SHUTDOWN_LIMIT_MS = 15_000;
const log = (line: string) => process.stderr.write(`vis-sim: ${line}\n`);

function fail(err: unknown, exitCode: number): never {
  const e = VisError.from(err);
  const cause = e.code === "internal" && e.cause instanceof Error ? ` (${e.cause.message})` : "";
  process.stderr.write(`error ${e.code}: ${e.message}${cause}\n`);
  process.exit(exitCode);
}

function summary(info: ReadyInfo, o: ResolvedOptions): string {
  const lines = [
    `VISLink camera simulator: ${info.cameras.length} camera(s) on ${info.host} (pid ${info.pid})`,
    `  RTMP      ${info.rtmpUrl}/<camera>`,
    `  HTTP      ${info.httpUrl}  GET /cameras, GET /playback/<camera>?start=&end=, POST /cameras/<camera>/stop|start`,
    `  recorder  ${info.dataDir} (retention ${formatDuration(o.recorderRetentionMs)})`,
    ...info.cameras.map((c) => `  ${c.id}  ${c.rtmpUrl}  ${c.httpFlvUrl}`),
    "Ctrl-C to stop.",
  ];
  return `${lines.join("\n")}\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    fail(err, 2);
  }
  if (parsed.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { options, json, exitWithStdin } = parsed;
  let stopping = false;
  let running: Awaited<ReturnType<typeof runSimulator>> | undefined;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    if (!json) log(`stopping (${why})`);
    setTimeout(() => process.exit(1), SHUTDOWN_LIMIT_MS).unref();
    // while still starting, main() closes once runSimulator settles
    if (running !== undefined) void running.close().finally(() => process.exit(0));
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => stop(sig));
  const ppid = process.ppid;
  setInterval(() => process.ppid !== ppid && stop("parent exited"), 1000).unref();
  if (exitWithStdin) {
    process.stdin.on("end", () => stop("stdin closed")).on("error", () => stop("stdin error"));
    process.stdin.resume();
  }
  try {
    running = await runSimulator(options, log);
  } catch (err) {
    fail(err, 1);
  }
  if (stopping) {
    await running.close();
    process.exit(0);
  }
  process.stdout.write(json ? `${JSON.stringify(running.info)}\n` : summary(running.info, options));
}

await main(process.argv.slice(2));
