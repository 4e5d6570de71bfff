import { FlvDemuxer } from "../flv/flv-demuxer.ts";
import { FfmpegPull, type UpstreamState } from "../upstream/ffmpeg-pull.ts";
import { StreamHub } from "./stream-hub.ts";
import { UnitBatcher } from "./unit-batcher.ts";
import type { HubLimits } from "./viewer-sink.ts";

export interface StreamManagerOptions {
  readonly ffmpegPath: string;
  /** The pull stops this long after its last viewer left (default 10 s). */
  readonly idleGraceMs: number;
  readonly stallTimeoutMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Viewers are let go when the upstream has been down this long (default 30 s). */
  readonly upstreamOutageMaxMs: number;
  readonly hub?: Partial<HubLimits>;
  /** Media arriving within this window goes to viewers as one write (default 40 ms; 0 = off). */
  readonly batchMs?: number;
  onUpstreamState?(camera: string, state: UpstreamState, detail: string): void;
}

export interface StreamStats {
  readonly camera: string;
  readonly source: string;
  readonly upstreamState: UpstreamState;
  readonly upstreamRestarts: number;
  readonly lastError: string;
  readonly viewers: number;
  /** Over the interval since the previous `sample()`. */
  readonly bitrateBps: number;
  readonly fps: number;
  readonly egressBps: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly droppedViewers: number;
  readonly stalls: number;
  readonly gopCacheBytes: number;
}

interface Entry {
  readonly camera: string;
  readonly source: string;
  readonly hub: StreamHub;
  readonly demuxer: FlvDemuxer;
  readonly pull: FfmpegPull;
  readonly batcher: UnitBatcher;
  idleTimer: NodeJS.Timeout | undefined;
  outageTimer: NodeJS.Timeout | undefined;
  last: { at: number; bytesIn: number; bytesOut: number; frames: number };
}

/**
 * The cameras this gateway pulls: at most one pull per camera, started by the first viewer,
 * stopped `idleGraceMs` after the last one left.
 */
export class StreamManager {
  readonly #o: StreamManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: StreamManagerOptions) {
    this.#o = options;
    this.#sweeper = setInterval(() => {
      for (const e of this.#entries.values()) e.hub.sweep();
    }, 500);
    this.#sweeper.unref();
  }

  /** The hub of `camera`, pulling from `source` (started now if it was not running). */
  acquire(camera: string, source: string): StreamHub {
    const existing = this.#entries.get(camera);
    if (existing && existing.source === source) {
      clearTimeout(existing.idleTimer);
      existing.idleTimer = undefined;
      return existing.hub;
    }
    if (existing) void this.#release(existing);
    const demuxer = new FlvDemuxer();
    const hub = new StreamHub(camera, this.#o.hub, { onEmpty: () => this.#scheduleIdle(entry) });
    const batcher = new UnitBatcher(this.#o.batchMs ?? 40, (units) => hub.ingest(units));
    const entry: Entry = {
      camera,
      source,
      demuxer,
      hub,
      batcher,
      pull: new FfmpegPull({
        url: source,
        ffmpegPath: this.#o.ffmpegPath,
        stallTimeoutMs: this.#o.stallTimeoutMs,
        backoffInitialMs: this.#o.backoffInitialMs,
        backoffMaxMs: this.#o.backoffMaxMs,
        onChunk: (chunk, firstOfRun) => {
          if (firstOfRun) {
            demuxer.rebase();
            batcher.reset();
          }
          const units = demuxer.push(chunk);
          if (firstOfRun && demuxer.header) hub.setHeader(demuxer.header);
          batcher.push(units);
        },
        onState: (state, detail) => this.#onState(entry, state, detail),
      }),
      idleTimer: undefined,
      outageTimer: undefined,
      last: { at: Date.now(), bytesIn: 0, bytesOut: 0, frames: 0 },
    };
    this.#entries.set(camera, entry);
    entry.pull.start();
    return entry.hub;
  }

  /** Stats of every pulled camera; rates cover the time since the previous call. */
  sample(): StreamStats[] {
    const now = Date.now();
    return [...this.#entries.values()].map((e) => {
      const c = e.hub.counters;
      const secs = Math.max(0.001, (now - e.last.at) / 1000);
      const out: StreamStats = {
        camera: e.camera,
        source: e.source,
        upstreamState: e.pull.state,
        upstreamRestarts: e.pull.restarts,
        lastError: e.pull.lastError,
        viewers: c.viewers,
        bitrateBps: Math.round(((c.bytesIn - e.last.bytesIn) * 8) / secs),
        fps: Math.round(((c.videoFrames - e.last.frames) / secs) * 10) / 10,
        egressBps: Math.round(((c.bytesOut - e.last.bytesOut) * 8) / secs),
        bytesIn: c.bytesIn,
        bytesOut: c.bytesOut,
        droppedViewers: c.droppedViewers,
        stalls: c.stalls,
        gopCacheBytes: e.hub.gopBytes,
      };
      e.last = { at: now, bytesIn: c.bytesIn, bytesOut: c.bytesOut, frames: c.videoFrames };
      return out;
    });
  }

  /** The cameras pulled now. */
  cameras(): string[] {
    return [...this.#entries.keys()];
  }

  has(camera: string): boolean {
    return this.#entries.has(camera);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#entries.values()].map((e) => this.#release(e)));
  }

  #scheduleIdle(e: Entry): void {
    clearTimeout(e.idleTimer);
    e.idleTimer = setTimeout(() => {
      if (e.hub.viewerCount === 0 && this.#entries.get(e.camera) === e) void this.#release(e);
    }, this.#o.idleGraceMs);
  }

  #onState(e: Entry, state: UpstreamState, detail: string): void {
    if (state === "retrying") {
      e.batcher.reset();
      e.hub.upstreamLost();
      if (e.outageTimer === undefined) {
        e.outageTimer = setTimeout(() => {
          e.outageTimer = undefined;
          if (e.pull.state !== "live") e.hub.dropAll("upstream_lost");
        }, this.#o.upstreamOutageMaxMs);
      }
    } else if (state === "live") {
      clearTimeout(e.outageTimer);
      e.outageTimer = undefined;
    }
    this.#o.onUpstreamState?.(e.camera, state, detail);
  }

  async #release(e: Entry): Promise<void> {
    clearTimeout(e.idleTimer);
    clearTimeout(e.outageTimer);
    if (this.#entries.get(e.camera) === e) this.#entries.delete(e.camera);
    e.batcher.reset();
    e.hub.dropAll("upstream_lost");
    await e.pull.stop();
  }
}
