/**
 * Turns an FLV byte stream (as ffmpeg writes it) into *units*: Buffers holding whole FLV tags
 * (each with its previous-tag-size), cut so that a video keyframe, a sequence header or the
 * metadata always starts its own unit. Units are slices of the incoming chunks — no copies — and
 * are meant to be shared by every viewer. Timestamps are rewritten in place once, at ingest, so
 * they keep increasing across upstream restarts (`rebase`).
 */

export type UnitKind =
  /** A run of tags that starts with a video keyframe (a GOP starts here). */
  | "keyframe"
  /** A run of ordinary tags (inter frames, audio). */
  | "media"
  /** One AVC/HEVC decoder configuration or AAC AudioSpecificConfig tag. */
  | "video-config"
  | "audio-config"
  /** The `onMetaData` script tag. */
  | "metadata";

export interface FlvUnit {
  readonly kind: UnitKind;
  readonly data: Buffer;
  /** Timestamp (ms) of the first tag in the unit, after rebasing. */
  readonly timestamp: number;
  readonly tags: number;
  /** Video frames in the unit (for frame-rate stats). */
  readonly videoFrames: number;
}

export interface FlvStreamHeader {
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

const TAG_HEADER = 11;
const PREV_SIZE = 4;
/** A tag larger than this is treated as a corrupt stream. */
export const MAX_TAG_BYTES = 8 * 1024 * 1024;

export class FlvDemuxer {
  #pending: Buffer | undefined;
  #header: FlvStreamHeader | undefined;
  #offset = 0;
  #runStart = true;
  #lastOut = -1;

  get header(): FlvStreamHeader | undefined {
    return this.#header;
  }

  /** Highest timestamp written so far (ms), or -1. */
  get lastTimestamp(): number {
    return this.#lastOut;
  }

  /**
   * Call when the upstream restarts: the next stream must begin with an FLV header again, and its
   * timestamps continue after the last one written (plus one frame at 25 fps).
   */
  rebase(): void {
    this.#pending = undefined;
    this.#header = undefined;
    this.#runStart = true;
  }

  /** Feeds one chunk; returns the units it completed. Throws on a stream that is not FLV. */
  push(chunk: Buffer): FlvUnit[] {
    const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let pos = 0;
    if (this.#header === undefined) {
      if (buf.length < 13) {
        this.#pending = buf;
        return [];
      }
      if (buf[0] !== 0x46 || buf[1] !== 0x4c || buf[2] !== 0x56) {
        throw new Error("upstream is not an FLV stream");
      }
      const dataStart = buf.readUInt32BE(5) + PREV_SIZE;
      if (dataStart > buf.length) {
        this.#pending = buf;
        return [];
      }
      const flags = buf[4] ?? 0;
      this.#header = { hasAudio: (flags & 4) !== 0, hasVideo: (flags & 1) !== 0 };
      pos = dataStart;
    }
    const units: FlvUnit[] = [];
    let unitStart = -1;
    let unitKind: UnitKind = "media";
    let unitTs = 0;
    let unitTags = 0;
    let unitVideo = 0;
    const close = (end: number) => {
      if (unitStart >= 0 && end > unitStart) {
        units.push({
          kind: unitKind,
          data: buf.subarray(unitStart, end),
          timestamp: unitTs,
          tags: unitTags,
          videoFrames: unitVideo,
        });
      }
      unitStart = -1;
    };
    while (pos + TAG_HEADER <= buf.length) {
      const typeId = (buf[pos] ?? 0) & 0x1f;
      const size = buf.readUIntBE(pos + 1, 3);
      if (size > MAX_TAG_BYTES) throw new Error(`FLV tag of ${size} bytes`);
      const end = pos + TAG_HEADER + size + PREV_SIZE;
      if (end > buf.length) break;
      const kind = classify(typeId, buf, pos + TAG_HEADER, size);
      const ts = this.#retime(buf, pos, kind);
      const startsUnit = kind !== "media";
      const inMediaRun = unitStart >= 0 && (unitKind === "media" || unitKind === "keyframe");
      if (startsUnit || !inMediaRun) {
        close(pos);
        unitStart = pos;
        unitKind = kind;
        unitTs = ts;
        unitTags = 0;
        unitVideo = 0;
      }
      unitTags++;
      if (typeId === 9 && kind !== "video-config") unitVideo++;
      // config and metadata tags stay alone in their unit
      if (kind === "video-config" || kind === "audio-config" || kind === "metadata") close(end);
      pos = end;
    }
    close(pos);
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
    return units;
  }

  /** Rewrites the tag's timestamp so it continues after the previous run; returns it. */
  #retime(buf: Buffer, pos: number, kind: UnitKind): number {
    const raw = buf.readUIntBE(pos + 4, 3) + (buf[pos + 7] ?? 0) * 0x1000000;
    if (kind === "metadata") return raw;
    if (this.#runStart) {
      this.#runStart = false;
      this.#offset = this.#lastOut < 0 ? 0 : this.#lastOut + 40 - raw;
    }
    const ts = Math.max(0, raw + this.#offset);
    if (this.#offset !== 0) {
      buf.writeUIntBE(ts & 0xffffff, pos + 4, 3);
      buf[pos + 7] = (ts >>> 24) & 0xff;
    }
    if (ts > this.#lastOut) this.#lastOut = ts;
    return ts;
  }
}

function classify(typeId: number, buf: Buffer, body: number, size: number): UnitKind {
  if (typeId === 18) return "metadata";
  const b0 = size > 0 ? (buf[body] ?? 0) : 0;
  if (typeId === 9) {
    const codec = b0 & 0x0f;
    const avcLike = codec === 7 || codec === 12;
    if (avcLike && size > 1 && buf[body + 1] === 0) return "video-config";
    return b0 >> 4 === 1 ? "keyframe" : "media";
  }
  if (typeId === 8 && b0 >> 4 === 10 && size > 1 && buf[body + 1] === 0) return "audio-config";
  return "media";
}

/** The 13-byte FLV file header (with PreviousTagSize0). */
export function flvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const b = Buffer.from([0x46, 0x4c, 0x56, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  return b;
}
