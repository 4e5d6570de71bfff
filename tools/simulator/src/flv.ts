/**
 * A small FLV reader for tests and probes: the 9-byte header, then tags, each followed by a
 * 4-byte previous-tag-size. Works on a growing buffer: `parseFlvTags` returns how many bytes it
 * consumed so a stream reader can keep the rest for the next chunk (see `FlvStreamParser`).
 */

export interface FlvHeader {
  readonly version: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

export interface FlvTag {
  readonly kind: "audio" | "video" | "script" | "unknown";
  readonly typeId: number;
  /** Milliseconds, including the extended high byte. */
  readonly timestamp: number;
  readonly data: Uint8Array;
  /** Video codec id (7 AVC, 12 HEVC) or audio sound format (10 AAC, 2 MP3). */
  readonly codecId: number | undefined;
  /** Video frame type 1 (key frame). */
  readonly keyframe: boolean;
  /** AVC/HEVC decoder configuration or AAC AudioSpecificConfig (packet type 0). */
  readonly sequenceHeader: boolean;
}

export interface FlvParseResult {
  /** Present when the buffer started with an FLV header. */
  readonly header: FlvHeader | undefined;
  readonly tags: FlvTag[];
  /** Bytes consumed; the rest is an incomplete tag. */
  readonly consumed: number;
}

const KIND: Record<number, FlvTag["kind"]> = { 8: "audio", 9: "video", 18: "script" };

function describe(
  typeId: number,
  data: Uint8Array,
): Pick<FlvTag, "codecId" | "keyframe" | "sequenceHeader"> {
  const b0 = data[0];
  if (b0 === undefined) return { codecId: undefined, keyframe: false, sequenceHeader: false };
  if (typeId === 9) {
    const codecId = b0 & 0x0f;
    const avcLike = codecId === 7 || codecId === 12;
    return { codecId, keyframe: b0 >> 4 === 1, sequenceHeader: avcLike && data[1] === 0 };
  }
  if (typeId === 8) {
    const codecId = b0 >> 4;
    return { codecId, keyframe: false, sequenceHeader: codecId === 10 && data[1] === 0 };
  }
  return { codecId: undefined, keyframe: false, sequenceHeader: false };
}

/** Parses the FLV header (if the buffer starts with `FLV`) and every complete tag that follows. */
export function parseFlvTags(buf: Uint8Array): FlvParseResult {
  let pos = 0;
  let header: FlvHeader | undefined;
  if (buf.length >= 3 && buf[0] === 0x46 && buf[1] === 0x4c && buf[2] === 0x56) {
    if (buf.length < 13) return { header: undefined, tags: [], consumed: 0 };
    const flags = buf[4] ?? 0;
    header = { version: buf[3] ?? 0, hasAudio: (flags & 4) !== 0, hasVideo: (flags & 1) !== 0 };
    const dataOffset =
      ((buf[5] ?? 0) << 24) | ((buf[6] ?? 0) << 16) | ((buf[7] ?? 0) << 8) | (buf[8] ?? 0);
    if (buf.length < dataOffset + 4) return { header: undefined, tags: [], consumed: 0 };
    pos = dataOffset + 4; // skip PreviousTagSize0
  }
  const { tags, end } = readTags(buf, pos);
  return { header, tags, consumed: end };
}

function readTags(buf: Uint8Array, start: number): { tags: FlvTag[]; end: number } {
  let pos = start;
  const tags: FlvTag[] = [];
  while (pos + 11 <= buf.length) {
    const typeId = (buf[pos] ?? 0) & 0x1f;
    const size = ((buf[pos + 1] ?? 0) << 16) | ((buf[pos + 2] ?? 0) << 8) | (buf[pos + 3] ?? 0);
    if (pos + 11 + size + 4 > buf.length) break;
    const ts = ((buf[pos + 4] ?? 0) << 16) | ((buf[pos + 5] ?? 0) << 8) | (buf[pos + 6] ?? 0);
    const timestamp = ts + (buf[pos + 7] ?? 0) * 0x1000000;
    const data = buf.subarray(pos + 11, pos + 11 + size);
    tags.push({
      kind: KIND[typeId] ?? "unknown",
      typeId,
      timestamp,
      data,
      ...describe(typeId, data),
    });
    pos += 11 + size + 4;
  }
  return { tags, end: pos };
}

/** Feeds chunks of an FLV stream; returns the tags completed by each chunk. */
export class FlvStreamParser {
  #pending: Uint8Array = new Uint8Array(0);
  #header: FlvHeader | undefined;
  #started = false;

  get header(): FlvHeader | undefined {
    return this.#header;
  }

  push(chunk: Uint8Array): FlvTag[] {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    if (this.#started) {
      const { tags, end } = readTags(buf, 0);
      this.#pending = buf.slice(end);
      return tags;
    }
    if (buf.length >= 3 && (buf[0] !== 0x46 || buf[1] !== 0x4c || buf[2] !== 0x56)) {
      throw new Error("FLV stream does not start with an FLV header");
    }
    const result = parseFlvTags(buf);
    this.#header = result.header;
    this.#started = result.header !== undefined;
    this.#pending = buf.slice(result.consumed);
    return result.tags;
  }
}
