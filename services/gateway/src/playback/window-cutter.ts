import { setTagTs, tagTs } from "../archive/segmenter.ts";

const TAG_HEADER = 11;
const MAX_TAG = 8 * 1024 * 1024;

/**
 * Cuts FLV (one or more files in a row) to a wall-clock window [fromMs, toMs): the output starts
 * with one FLV header and the sequence headers, then media from the **first video keyframe at or
 * after `fromMs`** (so the first frame is within one GOP of it and nothing earlier is sent), and
 * stops before the first tag at or after `toMs`. Output timestamps count from that keyframe.
 *
 * Each file's wall clock comes from `startFile(base)` (wall time of timestamp 0) or, for an
 * operator's playback answer, `startFile(undefined, firstKeyframeWall)`.
 */
export class WindowCutter {
  readonly fromMs: number;
  readonly toMs: number;
  #pending: Buffer | undefined;
  #needHeader = true;
  #sentHeader = false;
  #base: number | undefined;
  #keyframeWall: number | undefined;
  #startWall: number | undefined;
  #done = false;
  #configs = new Map<string, Buffer>();
  lastWall = -1;
  frames = 0;

  /** With `limitMs`, the cut may run past `toMs` to the next keyframe, never past this. */
  readonly #hardEndMs: number;
  readonly #endAtKeyframe: boolean;
  readonly #originMs: number | undefined;

  /**
   * `limitMs`: end at the first video keyframe at or after `toMs` instead of the first tag (but
   * before `limitMs`, the grant's end) — so consecutive pieces of one window, each starting at the
   * first keyframe at or after its start, join without a frame lost or sent twice.
   * `originMs`: output timestamps count from this wall time instead of the first keyframe — the
   * pieces of one HLS playlist share it, so their timestamps run on from piece to piece.
   */
  constructor(fromMs: number, toMs: number, options: { limitMs?: number; originMs?: number } = {}) {
    this.fromMs = fromMs;
    this.toMs = toMs;
    this.#endAtKeyframe = options.limitMs !== undefined;
    this.#hardEndMs = Math.max(toMs, options.limitMs ?? toMs);
    this.#originMs =
      options.originMs === undefined ? undefined : Math.min(options.originMs, fromMs);
  }

  /** True once a tag at or after `toMs` was seen: nothing more will be emitted. */
  get done(): boolean {
    return this.#done;
  }
  /** Wall time of the first frame sent, once known. */
  get startWall(): number | undefined {
    return this.#startWall;
  }

  startFile(base: number | undefined, firstKeyframeWall?: number): void {
    this.#pending = undefined;
    this.#needHeader = true;
    this.#base = base;
    this.#keyframeWall = firstKeyframeWall;
  }

  /** Feeds bytes of the current file; returns what to send (possibly empty). */
  push(chunk: Buffer): Buffer[] {
    if (this.#done) return [];
    let buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    const out: Buffer[] = [];
    if (this.#needHeader) {
      if (buf.length < 13) {
        this.#pending = buf;
        return out;
      }
      if (buf[0] !== 0x46 || buf[1] !== 0x4c || buf[2] !== 0x56) throw new Error("not FLV");
      const skip = buf.readUInt32BE(5) + 4;
      if (!this.#sentHeader) {
        const h = Buffer.from(buf.subarray(0, 13));
        h.writeUInt32BE(9, 5);
        h.writeUInt32BE(0, 9);
        this.#header = h;
      }
      this.#needHeader = false;
      buf = buf.subarray(skip);
    }
    let pos = 0;
    while (pos + TAG_HEADER <= buf.length && !this.#done) {
      const size = buf.readUIntBE(pos + 1, 3);
      if (size > MAX_TAG) throw new Error("FLV tag too large");
      const end = pos + TAG_HEADER + size + 4;
      if (end > buf.length) break;
      this.#tag(buf.subarray(pos, end), out);
      pos = end;
    }
    if (pos < buf.length && !this.#done) this.#pending = Buffer.from(buf.subarray(pos));
    return out;
  }

  #header: Buffer | undefined;

  #tag(tag: Buffer, out: Buffer[]): void {
    const type = (tag[0] ?? 0) & 0x1f;
    const b0 = tag[TAG_HEADER] ?? 0;
    const b1 = tag[TAG_HEADER + 1];
    const ts = tagTs(tag, 0);
    if (type === 18) {
      if (!this.#sentHeader) this.#configs.set("meta", Buffer.from(tag));
      return;
    }
    const videoConfig = type === 9 && ((b0 & 0x0f) === 7 || (b0 & 0x0f) === 12) && b1 === 0;
    const audioConfig = type === 8 && b0 >> 4 === 10 && b1 === 0;
    if (videoConfig || audioConfig) {
      if (!this.#sentHeader) this.#configs.set(videoConfig ? "video" : "audio", Buffer.from(tag));
      return;
    }
    const keyframe = type === 9 && b0 >> 4 === 1;
    if (this.#base === undefined) {
      if (!keyframe || this.#keyframeWall === undefined) return;
      this.#base = this.#keyframeWall - ts;
    }
    const wall = this.#base + ts;
    const ended =
      wall >= this.#hardEndMs ||
      (wall >= this.toMs && (!this.#endAtKeyframe || keyframe || this.#startWall === undefined));
    if (ended) {
      if (this.#startWall !== undefined || type === 9) this.#done = true;
      return;
    }
    if (this.#startWall === undefined) {
      if (!keyframe || wall < this.fromMs) return;
      this.#startWall = wall;
      this.#emitHeader(out);
    }
    if (wall < this.#startWall) return;
    const t = Buffer.from(tag);
    setTagTs(t, 0, wall - (this.#originMs ?? this.#startWall));
    out.push(t);
    if (type === 9) this.frames++;
    this.lastWall = Math.max(this.lastWall, wall);
  }

  #emitHeader(out: Buffer[]): void {
    if (this.#sentHeader || this.#header === undefined) return;
    this.#sentHeader = true;
    out.push(this.#header);
    for (const k of ["meta", "video", "audio"]) {
      const c = this.#configs.get(k);
      if (c === undefined) continue;
      const t = Buffer.from(c);
      setTagTs(t, 0, 0);
      out.push(t);
    }
  }
}
