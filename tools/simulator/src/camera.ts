import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { MediaServer } from "./media-server.ts";
import { FFMPEG } from "./paths.ts";
import { exited, TailBuffer, terminate } from "./process.ts";
import { segmentPattern } from "./segments.ts";

/** Length of a recorded segment; the recorder cuts on the first keyframe after it. */
export const SEGMENT_SECONDS = 10;
const LIVE_TIMEOUT_MS = 15_000;
const MAX_RESTARTS = 5;

export type CameraState = "running" | "stopped" | "failed";

export interface CameraDeps {
  readonly clipPath: string;
  /** `rtmp://host:port/live` */
  readonly rtmpBase: string;
  /** Folder for this camera's segments. */
  readonly recordDir: string;
  readonly media: Pick<MediaServer, "waitLive" | "dropStream">;
  readonly log: (line: string) => void;
}

/**
 * One camera = one ffmpeg that loops the clip in real time (`-re`, `-c copy`) and, through the
 * `tee` muxer, both publishes it over RTMP and records it in MPEG-TS segments. If RTMP fails the
 * whole process exits (`onfail=abort`: ffmpeg 5.1 otherwise carries on with the other output), so a dead media server never leaves an
 * orphan recording. Unexpected exits restart it a few times with a growing delay.
 */
export class Camera {
  readonly streamPath: string;
  #child: ChildProcess | undefined;
  #wanted = false;
  #failed = false;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    private readonly deps: CameraDeps,
  ) {
    this.streamPath = `/live/${id}`;
  }

  get state(): CameraState {
    if (this.#failed) return "failed";
    return this.#wanted ? "running" : "stopped";
  }

  get pid(): number | undefined {
    const child = this.#child;
    return child === undefined || exited(child) ? undefined : child.pid;
  }

  /** Starts publishing and recording; resolves once the stream is live. Idempotent. */
  async start(): Promise<void> {
    if (!this.#wanted || this.#failed) {
      this.#wanted = true;
      this.#failed = false;
      this.#restarts = 0;
      this.#spawn();
    }
    await this.deps.media.waitLive(
      this.streamPath,
      LIVE_TIMEOUT_MS,
      () => !this.#wanted || this.#failed,
    );
    this.#restarts = 0;
  }

  /** Stops the ffmpeg process and drops the live stream at once. Idempotent. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#failed = false;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (child !== undefined) await terminate(child, 3000);
    this.deps.media.dropStream(this.streamPath);
  }

  #spawn(): void {
    mkdirSync(this.deps.recordDir, { recursive: true });
    const runMs = Date.now();
    const tee = [
      `[f=flv:onfail=abort:flvflags=no_duration_filesize]${this.deps.rtmpBase}/${this.id}`,
      `[f=segment:onfail=abort:segment_time=${SEGMENT_SECONDS}:segment_format=mpegts:strftime=1:reset_timestamps=1]${segmentPattern(runMs)}`,
    ].join("|");
    const args = [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1"],
      ...["-i", this.deps.clipPath, "-map", "0", "-c", "copy", "-f", "tee", tee],
    ];
    const child = spawn(FFMPEG, args, {
      cwd: this.deps.recordDir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const tail = new TailBuffer(10);
    child.stderr?.on("data", (d: Buffer) => tail.push(d));
    child.on("error", (err) => this.deps.log(`${this.id}: ffmpeg could not start: ${err.message}`));
    child.on("exit", (code, signal) => this.#onExit(child, runMs, code ?? signal, tail));
    this.#child = child;
  }

  #onExit(child: ChildProcess, runMs: number, how: number | string | null, tail: TailBuffer): void {
    if (this.#child !== child || !this.#wanted) return;
    this.deps.log(`${this.id}: ffmpeg exited (${how}): ${tail.toString()}`);
    this.deps.media.dropStream(this.streamPath);
    if (Date.now() - runMs > 30_000) this.#restarts = 0; // it ran fine for a while
    if (++this.#restarts > MAX_RESTARTS) {
      this.#failed = true;
      this.deps.log(`${this.id}: giving up after ${MAX_RESTARTS} restarts`);
      return;
    }
    this.#timer = setTimeout(() => {
      if (this.#wanted && !this.#failed) this.#spawn();
    }, 1000 * this.#restarts);
  }
}
