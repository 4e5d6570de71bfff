import { type FlvStreamHeader, type FlvUnit, flvHeader } from "../flv/flv-demuxer.ts";
import {
  DEFAULT_HUB_LIMITS,
  type DropReason,
  type HubLimits,
  type ViewerSink,
} from "./viewer-sink.ts";

/** One viewer as the hub sees it. */
export interface HubViewer {
  /** Bytes handed to this viewer's socket so far. */
  readonly bytes: number;
  /** Times this viewer was paused because it read too slowly. */
  readonly stalls: number;
  /** Removes the viewer (its connection ended). Idempotent. */
  detach(): void;
}

interface ViewerState extends HubViewer {
  readonly sink: ViewerSink;
  readonly onDrop: (reason: DropReason) => void;
  bytes: number;
  stalls: number;
  /** Receiving live units; otherwise waiting for the next keyframe. */
  live: boolean;
  headerSent: boolean;
  configVersion: number;
  /** When it was paused for reading slowly (undefined = not paused for that reason). */
  stalledSince: number | undefined;
}

export interface HubCounters {
  readonly viewers: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly videoFrames: number;
  readonly droppedViewers: number;
  readonly stalls: number;
}

/**
 * One camera's fan-out. Units from the upstream are written, as the very same Buffers, to every
 * live viewer. A new viewer gets the FLV header, the metadata and sequence headers, then the GOP
 * cache (everything since the last keyframe), so its first media tag is a keyframe. A viewer whose
 * socket queue passes the high-water mark is paused; once drained it resumes at the next keyframe;
 * paused for longer than `stallDropMs`, it is dropped.
 */
export class StreamHub {
  readonly camera: string;
  readonly #limits: HubLimits;
  readonly #now: () => number;
  readonly #viewers = new Set<ViewerState>();
  #header: FlvStreamHeader | undefined;
  #metadata: Buffer | undefined;
  #videoConfig: Buffer | undefined;
  #audioConfig: Buffer | undefined;
  #configVersion = 0;
  #gop: Buffer[] = [];
  #gopBytes = 0;
  #gopOpen = false;
  #bytesIn = 0;
  #bytesOut = 0;
  #videoFrames = 0;
  #dropped = 0;
  #stalls = 0;
  #onEmpty: (() => void) | undefined;

  constructor(
    camera: string,
    limits: Partial<HubLimits> = {},
    options: { now?: () => number; onEmpty?: () => void } = {},
  ) {
    this.camera = camera;
    this.#limits = { ...DEFAULT_HUB_LIMITS, ...limits };
    this.#now = options.now ?? Date.now;
    this.#onEmpty = options.onEmpty;
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  get counters(): HubCounters {
    return {
      viewers: this.#viewers.size,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      videoFrames: this.#videoFrames,
      droppedViewers: this.#dropped,
      stalls: this.#stalls,
    };
  }

  /** Bytes held by the GOP cache (shared by all viewers). */
  get gopBytes(): number {
    return this.#gopBytes;
  }

  /** The upstream (re)started with this FLV header. */
  setHeader(header: FlvStreamHeader): void {
    this.#header = header;
  }

  attach(sink: ViewerSink, onDrop: (reason: DropReason) => void): HubViewer {
    const v: ViewerState = {
      sink,
      onDrop,
      bytes: 0,
      stalls: 0,
      live: false,
      headerSent: false,
      configVersion: -1,
      stalledSince: undefined,
      detach: () => this.#remove(v),
    };
    this.#viewers.add(v);
    if (this.#gopOpen && this.#gop.length > 0) {
      sink.cork?.();
      this.#sendInit(v);
      for (const unit of this.#gop) this.#write(v, unit);
      sink.uncork?.();
      v.live = true;
    }
    return v;
  }

  /** Takes the units of one upstream chunk and fans them out. */
  ingest(units: readonly FlvUnit[]): void {
    const now = this.#now();
    for (const unit of units) {
      this.#bytesIn += unit.data.length;
      this.#videoFrames += unit.videoFrames;
      switch (unit.kind) {
        case "metadata":
          this.#metadata = unit.data;
          break;
        case "video-config":
        case "audio-config":
          if (unit.kind === "video-config") this.#videoConfig = unit.data;
          else this.#audioConfig = unit.data;
          this.#configVersion++;
          for (const v of this.#viewers) {
            if (v.live && v.headerSent) {
              this.#write(v, unit.data);
              v.configVersion = this.#configVersion;
            }
          }
          break;
        case "keyframe":
          this.#gop = [unit.data];
          this.#gopBytes = unit.data.length;
          this.#gopOpen = true;
          this.#fanOut(unit.data, true, now);
          break;
        case "media":
          if (this.#gopOpen) {
            this.#gop.push(unit.data);
            this.#gopBytes += unit.data.length;
            if (this.#gopBytes > this.#limits.gopCacheMaxBytes) this.#dropGop();
          }
          this.#fanOut(unit.data, false, now);
          break;
      }
    }
  }

  /** The upstream is gone for now: forget the GOP (it will not continue), keep the viewers. */
  upstreamLost(): void {
    this.#dropGop();
  }

  /** Checks paused viewers against the stall bound; call periodically (the hub also checks on ingest). */
  sweep(): void {
    const now = this.#now();
    for (const v of this.#viewers) this.#checkStall(v, now);
  }

  /** Ends every viewer (their `onDrop` is called with `reason`). */
  dropAll(reason: DropReason): void {
    for (const v of [...this.#viewers]) this.#drop(v, reason);
  }

  #dropGop(): void {
    this.#gop = [];
    this.#gopBytes = 0;
    this.#gopOpen = false;
  }

  #fanOut(data: Buffer, keyframe: boolean, now: number): void {
    const { highWaterBytes, lowWaterBytes } = this.#limits;
    for (const v of this.#viewers) {
      if (v.live) {
        if (v.sink.writableLength <= highWaterBytes) {
          this.#write(v, data);
          continue;
        }
        v.live = false;
        v.stalledSince = now;
        v.stalls++;
        this.#stalls++;
      } else if (keyframe && v.sink.writableLength <= lowWaterBytes) {
        if (!v.headerSent || v.configVersion !== this.#configVersion) this.#sendInit(v);
        v.live = true;
        v.stalledSince = undefined;
        this.#write(v, data);
        continue;
      }
      this.#checkStall(v, now);
    }
  }

  #checkStall(v: ViewerState, now: number): void {
    if (v.stalledSince !== undefined && now - v.stalledSince > this.#limits.stallDropMs) {
      this.#drop(v, "slow_reader");
    }
  }

  #sendInit(v: ViewerState): void {
    if (!v.headerSent) {
      const h = this.#header ?? { hasAudio: true, hasVideo: true };
      this.#write(v, flvHeader(h.hasAudio, h.hasVideo));
      if (this.#metadata) this.#write(v, this.#metadata);
      v.headerSent = true;
    }
    if (this.#videoConfig) this.#write(v, this.#videoConfig);
    if (this.#audioConfig) this.#write(v, this.#audioConfig);
    v.configVersion = this.#configVersion;
  }

  #write(v: ViewerState, data: Buffer): void {
    v.bytes += data.length;
    this.#bytesOut += data.length;
    v.sink.write(data);
  }

  #drop(v: ViewerState, reason: DropReason): void {
    if (!this.#viewers.has(v)) return;
    if (reason === "slow_reader") this.#dropped++;
    this.#remove(v);
    v.sink.close();
    v.onDrop(reason);
  }

  #remove(v: ViewerState): void {
    if (!this.#viewers.delete(v)) return;
    if (this.#viewers.size === 0) this.#onEmpty?.();
  }
}
