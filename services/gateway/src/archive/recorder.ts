import type { Archive, DiskGuard, ManifestRecord } from "@vis/archive";
import { FlvDemuxer } from "../flv/flv-demuxer.ts";
import { FfmpegPull, type UpstreamState } from "../upstream/ffmpeg-pull.ts";
import { type CutSegment, Segmenter } from "./segmenter.ts";

/** What a recorder tells the rest of the gateway (stats, health, logs). */
export interface RecorderEvents {
  segment(camera: string, record: ManifestRecord): void;
  /** Recording is missing between these wall-clock times (upstream lost, disk full, crash). */
  gap(camera: string, fromMs: number, toMs: number, reason: string): void;
  /** A segment could not be stored; recording of new data stops until `resumed`. */
  halted(camera: string, reason: string): void;
  resumed(camera: string): void;
  upstream(camera: string, state: UpstreamState, detail: string): void;
}

export interface RecorderOptions {
  readonly camera: string;
  readonly source: string;
  readonly archive: Archive;
  readonly disk: DiskGuard;
  readonly segmentMs: number;
  /** A pause in recording longer than this is reported as a gap. */
  readonly gapToleranceMs: number;
  readonly ffmpegPath: string;
  readonly stallTimeoutMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly events: Partial<RecorderEvents>;
  /**
   * Asked before each write (the recording lease): when false the segment is dropped, not stored —
   * another gateway may already be recording this camera.
   */
  readonly mayWrite?: () => boolean;
}

/**
 * Continuous recording of one camera: `ffmpeg -c copy -f flv` from its source (the gateway's own
 * pull), FLV units cut into keyframe-aligned segments, each appended to the archive (store, then
 * manifest link, then index) in order. When the disk guard says full, new segments are dropped
 * and reported — nothing stored is ever deleted to make room.
 */
export class Recorder {
  readonly camera: string;
  readonly #o: RecorderOptions;
  readonly #pull: FfmpegPull;
  #demuxer = new FlvDemuxer();
  readonly #segmenter: Segmenter;
  #queue: Promise<void> = Promise.resolve();
  #lastEnd = 0;
  #halted = false;
  segments = 0;
  bytes = 0;
  /** Segments not written because the lease was no longer held. */
  fenced = 0;

  constructor(options: RecorderOptions) {
    this.#o = options;
    this.camera = options.camera;
    this.#segmenter = new Segmenter(options.segmentMs);
    this.#pull = new FfmpegPull({
      url: options.source,
      ffmpegPath: options.ffmpegPath,
      stallTimeoutMs: options.stallTimeoutMs,
      backoffInitialMs: options.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs,
      onChunk: (chunk, first) => this.#onChunk(chunk, first),
      onState: (state, detail) => {
        if (state === "retrying" || state === "stopped") this.#flush();
        this.#o.events.upstream?.(this.camera, state, detail);
      },
    });
  }

  get upstreamState(): UpstreamState {
    return this.#pull.state;
  }
  get halted(): boolean {
    return this.#halted;
  }
  get lastEndMs(): number {
    return this.#lastEnd;
  }

  /** Where recording left off before this process (from the index): a later start is a gap. */
  resumeAfter(endMs: number): void {
    this.#lastEnd = endMs;
    this.#segmenter.resumeAfter(endMs);
  }

  start(): void {
    this.#pull.start();
  }

  /** Stops pulling, stores the open segment, waits for pending writes. */
  async stop(): Promise<void> {
    await this.#pull.stop();
    this.#flush();
    await this.#queue;
  }

  #onChunk(chunk: Buffer, first: boolean): void {
    if (first) {
      this.#flush();
      this.#demuxer = new FlvDemuxer();
    }
    const units = this.#demuxer.push(chunk);
    const h = this.#demuxer.header;
    if (h) this.#segmenter.setHeader(h.hasAudio, h.hasVideo);
    for (const s of this.#segmenter.push(units)) this.#enqueue(s);
  }

  #flush(): void {
    const s = this.#segmenter.flush();
    if (s) this.#enqueue(s);
  }

  #enqueue(s: CutSegment): void {
    this.#queue = this.#queue.then(() => this.#store(s));
  }

  async #store(s: CutSegment): Promise<void> {
    const ev = this.#o.events;
    const disk = await this.#o.disk.check().catch(() => undefined);
    if (disk?.state === "full") {
      if (!this.#halted) {
        this.#halted = true;
        ev.halted?.(this.camera, `disk full (${disk.freeBytes ?? "?"} bytes free): not recording`);
      }
      return;
    }
    if (this.#o.mayWrite !== undefined && !this.#o.mayWrite()) {
      this.fenced++;
      return;
    }
    try {
      const rec = await this.#o.archive.append(this.camera, s.startMs, s.endMs, s.data);
      if (this.#halted) {
        this.#halted = false;
        ev.resumed?.(this.camera);
      }
      if (this.#lastEnd > 0 && s.startMs - this.#lastEnd > this.#o.gapToleranceMs) {
        ev.gap?.(this.camera, this.#lastEnd, s.startMs, "no recording");
      }
      this.#lastEnd = s.endMs;
      this.segments++;
      this.bytes += s.data.byteLength;
      ev.segment?.(this.camera, rec);
    } catch (err) {
      if (!this.#halted) {
        this.#halted = true;
        ev.halted?.(this.camera, `segment not stored: ${(err as Error).message}`);
      }
    }
  }
}
