import { type ChildProcess, spawn } from "node:child_process";
import { backoffDelay } from "./backoff.ts";

export type UpstreamState = "connecting" | "live" | "retrying" | "stopped";

export interface PullOptions {
  /** The camera's source: rtmp://, rtsp://, http(s):// (HTTP-FLV). */
  readonly url: string;
  readonly ffmpegPath: string;
  /** No bytes for this long → the pull is killed and retried (default 5 s). */
  readonly stallTimeoutMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Each run's stdout bytes. `firstOfRun` is true for the first chunk after a (re)start. */
  onChunk(chunk: Buffer, firstOfRun: boolean): void;
  onState(state: UpstreamState, detail: string): void;
}

/** The ffmpeg arguments that copy a source, whatever its protocol, to FLV on stdout. */
export function pullArgs(url: string): string[] {
  const input = url.startsWith("rtsp") ? ["-rtsp_transport", "tcp"] : [];
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error"],
    ...input,
    ...["-i", url, "-map", "0:v?", "-map", "0:a?", "-c", "copy"],
    ...["-f", "flv", "-flvflags", "no_duration_filesize", "-flush_packets", "1", "pipe:1"],
  ];
}

/**
 * One upstream pull: `ffmpeg -c copy -f flv pipe:1` from the source, restarted with exponential
 * backoff when it ends or stalls, until `stop()`. A run that stayed live for 10 s resets the backoff.
 */
export class FfmpegPull {
  readonly #o: PullOptions;
  #child: ChildProcess | undefined;
  #state: UpstreamState = "stopped";
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastData = 0;
  #liveSince = 0;
  #stopped = true;
  #restarts = 0;
  #lastError = "";

  constructor(options: PullOptions) {
    this.#o = options;
  }

  get state(): UpstreamState {
    return this.#state;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get lastError(): string {
    return this.#lastError;
  }
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#run();
  }

  /** Stops the pull and waits for ffmpeg to exit. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#watchdog);
    const child = this.#child;
    this.#setState("stopped", "stopped");
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("close", () => r()));
      child.kill("SIGKILL");
      await exited;
    }
  }

  #setState(state: UpstreamState, detail: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#o.onState(state, detail);
  }

  #run(): void {
    if (this.#stopped) return;
    this.#setState("connecting", this.#o.url);
    let first = true;
    let stderr = "";
    const child = spawn(this.#o.ffmpegPath, pullArgs(this.#o.url), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    this.#lastData = Date.now();
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#lastData = Date.now();
      if (first) {
        this.#liveSince = this.#lastData;
        this.#setState("live", this.#o.url);
      }
      try {
        this.#o.onChunk(chunk, first);
      } catch (err) {
        stderr += `\n${err instanceof Error ? err.message : String(err)}`;
        child.kill("SIGKILL");
      }
      first = false;
    });
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    child.on("error", (err) => {
      stderr += `\n${err.message}`;
    });
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(
      () => {
        if (Date.now() - this.#lastData > this.#o.stallTimeoutMs) {
          stderr += "\nno data from upstream";
          child.kill("SIGKILL");
        }
      },
      Math.min(1000, this.#o.stallTimeoutMs),
    );
    child.once("close", (code, signal) => {
      clearInterval(this.#watchdog);
      if (this.#child === child) this.#child = undefined;
      if (this.#stopped) return;
      const lines = stderr.trim().split("\n").filter(Boolean);
      this.#lastError = lines.at(-1) ?? `ffmpeg exited (code ${code}, signal ${signal})`;
      if (this.#liveSince > 0 && Date.now() - this.#liveSince > 10_000) this.#attempt = 0;
      this.#liveSince = 0;
      const delay = backoffDelay(this.#attempt++, this.#o.backoffInitialMs, this.#o.backoffMaxMs);
      this.#restarts++;
      this.#setState("retrying", this.#lastError);
      this.#timer = setTimeout(() => this.#run(), delay);
    });
  }
}
