import { type FlvUnit, flvHeader } from "../flv/flv-demuxer.ts";

/** A finished segment: FLV bytes starting with a keyframe, and its wall-clock span. */
export interface CutSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly data: Buffer;
}

/**
 * Cuts one upstream run's FLV units into segments of at least `segmentMs`, each starting at a
 * keyframe and carrying the stream's metadata and sequence headers, timestamps from 0. Wall time:
 * data never arrives before it was captured, so the smallest (arrival − timestamp) seen is the
 * run's clock base (a burst of cached frames at join does not pull the times early).
 */
export class Segmenter {
  readonly #segmentMs: number;
  readonly #now: () => number;
  #hasAudio = true;
  #hasVideo = true;
  #meta: Buffer | undefined;
  #videoConfig: Buffer | undefined;
  #audioConfig: Buffer | undefined;
  #parts: Buffer[] = [];
  #firstTs = -1;
  #lastTs = -1;
  #base = Number.POSITIVE_INFINITY;
  #lastEnd = 0;

  constructor(segmentMs: number, now: () => number = Date.now) {
    this.#segmentMs = segmentMs;
    this.#now = now;
  }

  setHeader(hasAudio: boolean, hasVideo: boolean): void {
    this.#hasAudio = hasAudio;
    this.#hasVideo = hasVideo;
  }

  /** Feeds units; returns segments completed by them. */
  push(units: readonly FlvUnit[]): CutSegment[] {
    const out: CutSegment[] = [];
    const now = this.#now();
    for (const u of units) {
      if (u.kind === "metadata") {
        this.#meta = Buffer.from(u.data);
        continue;
      }
      this.#base = Math.min(this.#base, now - u.timestamp);
      if (u.kind === "video-config") this.#videoConfig = Buffer.from(u.data);
      else if (u.kind === "audio-config") this.#audioConfig = Buffer.from(u.data);
      else if (u.kind === "keyframe") {
        if (this.#firstTs >= 0 && u.timestamp - this.#firstTs >= this.#segmentMs) {
          const s = this.#close(u.timestamp);
          if (s) out.push(s);
        }
        if (this.#firstTs < 0) this.#firstTs = u.timestamp;
        this.#parts.push(Buffer.from(u.data));
        this.#lastTs = Math.max(this.#lastTs, lastTagTs(u.data));
      } else if (this.#firstTs >= 0) {
        this.#parts.push(Buffer.from(u.data));
        this.#lastTs = Math.max(this.#lastTs, lastTagTs(u.data));
      }
    }
    return out;
  }

  /**
   * Footage up to `endMs` is already stored (by this recorder's earlier run, or by another gateway
   * before a takeover): no segment starts before it. A server's GOP cache replays up to one GOP the
   * previous writer may have stored; that first segment is labelled from `endMs`, as after an
   * upstream restart, so spans never overlap.
   */
  resumeAfter(endMs: number): void {
    this.#lastEnd = Math.max(this.#lastEnd, endMs);
  }

  /** Ends the run (upstream lost or recorder stopping): the open segment, if any. */
  flush(): CutSegment | undefined {
    const s = this.#firstTs >= 0 ? this.#close(this.#lastTs + 40) : undefined;
    this.#base = Number.POSITIVE_INFINITY;
    return s;
  }

  #close(endTs: number): CutSegment | undefined {
    const first = this.#firstTs;
    const parts = this.#parts;
    this.#parts = [];
    this.#firstTs = -1;
    this.#lastTs = -1;
    if (parts.length === 0 || endTs <= first) return undefined;
    const body = Buffer.concat(parts);
    rebaseTags(body, first);
    const head = [flvHeader(this.#hasAudio, this.#hasVideo)];
    if (this.#meta) head.push(zeroTs(this.#meta));
    if (this.#videoConfig) head.push(zeroTs(this.#videoConfig));
    if (this.#audioConfig) head.push(zeroTs(this.#audioConfig));
    const startMs = Math.max(Math.round(this.#base + first), this.#lastEnd);
    const endMs = Math.max(startMs + 1, Math.round(this.#base + endTs));
    this.#lastEnd = endMs;
    return { startMs, endMs, data: Buffer.concat([...head, body]) };
  }
}

/** Walks whole FLV tags (each followed by its PreviousTagSize) in `buf`. */
export function* tagsOf(
  buf: Buffer,
  from = 0,
): Generator<{ pos: number; end: number; ts: number }> {
  let pos = from;
  while (pos + 11 <= buf.length) {
    const size = buf.readUIntBE(pos + 1, 3);
    const end = pos + 11 + size + 4;
    if (end > buf.length) return;
    yield { pos, end, ts: tagTs(buf, pos) };
    pos = end;
  }
}

export function tagTs(buf: Buffer, pos: number): number {
  return buf.readUIntBE(pos + 4, 3) + (buf[pos + 7] ?? 0) * 0x1000000;
}

export function setTagTs(buf: Buffer, pos: number, ts: number): void {
  buf.writeUIntBE(ts & 0xffffff, pos + 4, 3);
  buf[pos + 7] = (ts >>> 24) & 0xff;
}

function lastTagTs(data: Buffer): number {
  let ts = 0;
  for (const t of tagsOf(data)) ts = Math.max(ts, t.ts);
  return ts;
}

function rebaseTags(buf: Buffer, base: number): void {
  for (const t of tagsOf(buf)) setTagTs(buf, t.pos, Math.max(0, t.ts - base));
}

function zeroTs(tag: Buffer): Buffer {
  const b = Buffer.from(tag);
  setTagTs(b, 0, 0);
  return b;
}
