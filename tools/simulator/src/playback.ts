import { type ChildProcess, spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import { VisError } from "@vis/errors";
import { sendError } from "./http-util.ts";
import { FFMPEG } from "./paths.ts";
import { concatScript, planPlayback } from "./playback-plan.ts";
import type { Recordings } from "./recordings.ts";
import { recordedRange } from "./segments.ts";
import { parseWindow } from "./time.ts";

export interface PlaybackDeps {
  readonly recordings: Recordings;
  readonly maxWindowMs: number;
  readonly gopMs: number;
  /** Playback processes in flight, so shutdown can end them and the count stays bounded. */
  readonly active: Set<ChildProcess>;
  readonly maxActive: number;
  readonly log: (line: string) => void;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `GET /playback/<id>?start=&end=[&realtime=1]`: joins the recorded segments overlapping the
 * window with ffmpeg's concat demuxer (`-c copy`), cut at the keyframe at or before `start` and at
 * `end`, and streams FLV. Without `realtime=1` it is sent as fast as the client reads.
 */
export async function servePlayback(
  res: ServerResponse,
  cameraId: string,
  query: URLSearchParams,
  deps: PlaybackDeps,
): Promise<void> {
  const window = parseWindow(query.get("start"), query.get("end"), deps.maxWindowMs);
  const segments = await deps.recordings.segments(cameraId);
  const plan = planPlayback(segments, window, deps.gopMs);
  if (plan === undefined) {
    const range = recordedRange(segments);
    const held =
      range === undefined ? "nothing yet" : `${iso(range.startMs)} to ${iso(range.endMs)}`;
    throw new VisError(
      "out_of_range",
      `no recording of ${cameraId} in that window (recorded: ${held})`,
    );
  }
  if (deps.active.size >= deps.maxActive) {
    throw new VisError("resource_exhausted", `at most ${deps.maxActive} playbacks at a time`);
  }
  const realtime = query.get("realtime") === "1" || query.get("realtime") === "true";
  const args = [
    ...["-hide_banner", "-loglevel", "error", ...(realtime ? ["-re"] : [])],
    ...["-protocol_whitelist", "file,pipe", "-f", "concat", "-safe", "0", "-i", "pipe:0"],
    ...["-map", "0", "-c", "copy", "-flvflags", "no_duration_filesize", "-f", "flv", "pipe:1"],
  ];
  const child = spawn(FFMPEG, args, { stdio: ["pipe", "pipe", "pipe"] });
  deps.active.add(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin.on("error", () => {}); // ffmpeg may exit before reading it all
  child.stdin.end(concatScript(deps.recordings.dirOf(cameraId), plan));
  res.on("close", () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  child.stdout.once("data", (first: Buffer) => {
    res.writeHead(200, {
      "content-type": "video/x-flv",
      "cache-control": "no-store",
      "x-vis-playback-start": iso(plan.startMs),
      "x-vis-playback-end": iso(plan.endMs),
    });
    res.write(first);
    child.stdout.pipe(res);
  });
  await new Promise<void>((resolve) => {
    const finish = (cause: Error | undefined) => {
      if (!deps.active.delete(child)) return; // already finished
      if (!res.headersSent) {
        sendError(res, new VisError("internal", "playback failed", { cause }), deps.log);
      } else if (cause !== undefined && !res.writableEnded) res.destroy();
      resolve();
    };
    child.on("error", (err) => finish(err));
    child.on("close", (code) => finish(code === 0 ? undefined : new Error(stderr)));
  });
}
