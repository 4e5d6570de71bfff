import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VisError } from "@vis/errors";
import type { HubViewer, StreamHub } from "../hub/stream-hub.ts";

export interface HlsOptions {
  readonly ffmpegPath: string;
  /** Target segment length; segments are cut at keyframes (default 2 s). */
  readonly segmentSeconds: number;
  /** Segments in the live playlist (default 6). */
  readonly listSize: number;
  /** A packager nobody asked for this long is stopped (default 30 s). */
  readonly idleMs: number;
}

/** The ffmpeg arguments that segment the hub's FLV (stdin) into MPEG-TS with a live playlist. */
export function hlsArgs(dir: string, o: HlsOptions): string[] {
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "flv", "-i", "pipe:0"],
    ...["-c", "copy", "-f", "hls", "-hls_time", String(o.segmentSeconds)],
    ...["-hls_list_size", String(o.listSize), "-hls_flags", "delete_segments+omit_endlist"],
    ...["-hls_segment_filename", join(dir, "seg-%05d.ts"), join(dir, "index.m3u8")],
  ];
}

interface Packager {
  readonly dir: string;
  readonly child: ChildProcess;
  readonly viewer: HubViewer;
  lastUsed: number;
}

/**
 * HLS per camera: one ffmpeg fed by the camera's hub like any viewer (so it starts at the cached
 * keyframe and shares the pull), writing a live playlist and MPEG-TS segments to a temp folder.
 * Files are served only through `read`, after the request was authorised by the gateway.
 */
export class HlsPackagers {
  readonly #o: HlsOptions;
  readonly #packagers = new Map<string, Packager>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: HlsOptions) {
    this.#o = options;
    this.#sweeper = setInterval(() => this.#sweep(), 1000);
    this.#sweeper.unref();
  }

  has(camera: string): boolean {
    return this.#packagers.has(camera);
  }

  /**
   * The playlist (segment URIs carry `query`, so a player keeps its token) or a segment, starting
   * the camera's packager from `hub` when needed. Waits up to `waitMs` for the first playlist.
   */
  async read(
    camera: string,
    file: string,
    query: string,
    hub: () => StreamHub,
    waitMs = 15_000,
  ): Promise<{ body: Buffer; contentType: string }> {
    let p = this.#packagers.get(camera);
    if (!p) {
      if (file !== "index.m3u8")
        throw new VisError("not_found", "no such segment", { field: "path" });
      p = this.#start(camera, hub());
    }
    p.lastUsed = Date.now();
    const path = join(p.dir, file);
    if (file.endsWith(".ts")) {
      const body = await readFile(path).catch(() => undefined);
      if (!body)
        throw new VisError("not_found", "segment is no longer in the playlist", { field: "path" });
      return { body, contentType: "video/mp2t" };
    }
    const start = Date.now();
    for (;;) {
      const text = await readFile(path, "utf8").catch(() => undefined);
      if (text?.includes(".ts")) {
        const body = text
          .split("\n")
          .map((l) => (l.endsWith(".ts") ? `${l}?${query}` : l))
          .join("\n");
        return { body: Buffer.from(body), contentType: "application/vnd.apple.mpegurl" };
      }
      if (Date.now() - start > waitMs || p.child.exitCode !== null) {
        throw new VisError("unavailable", "the live playlist is not ready; retry shortly");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const camera of [...this.#packagers.keys()]) this.#stop(camera);
  }

  #start(camera: string, hub: StreamHub): Packager {
    const dir = mkdtempSync(join(tmpdir(), `vis-hls-${camera}-`));
    const child = spawn(this.#o.ffmpegPath, hlsArgs(dir, this.#o), {
      stdio: ["pipe", "ignore", "ignore"],
    });
    const stdin = child.stdin;
    stdin?.on("error", () => undefined);
    const viewer = hub.attach(
      {
        write: (data) => {
          stdin?.write(data);
        },
        get writableLength() {
          return stdin?.writableLength ?? 0;
        },
        close: () => child.kill("SIGKILL"),
      },
      () => this.#stop(camera),
    );
    const p: Packager = { dir, child, viewer, lastUsed: Date.now() };
    this.#packagers.set(camera, p);
    child.once("close", () => {
      if (this.#packagers.get(camera) === p) this.#stop(camera);
    });
    return p;
  }

  #stop(camera: string): void {
    const p = this.#packagers.get(camera);
    if (!p) return;
    this.#packagers.delete(camera);
    p.viewer.detach();
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
    rmSync(p.dir, { recursive: true, force: true });
  }

  #sweep(): void {
    const now = Date.now();
    for (const [camera, p] of this.#packagers) {
      if (now - p.lastUsed > this.#o.idleMs) this.#stop(camera);
    }
  }
}
