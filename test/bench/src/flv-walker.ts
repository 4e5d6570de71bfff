/**
 * A light FLV reader for benchmark viewers: walks tag headers without copying payloads, and
 * reports each tag's type, timestamp, size and first two data bytes (enough to see keyframes and
 * sequence headers).
 */
export type TagSink = (typeId: number, ts: number, size: number, b0: number, b1: number) => void;

export class FlvWalker {
  #skip = 13; // FLV header + PreviousTagSize0
  readonly #hdr = Buffer.alloc(13);
  #have = 0;
  #want = 11;
  readonly #onTag: TagSink;

  constructor(onTag: TagSink) {
    this.#onTag = onTag;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, len - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      const n = Math.min(this.#want - this.#have, len - pos);
      chunk.copy(this.#hdr, this.#have, pos, pos + n);
      this.#have += n;
      pos += n;
      if (this.#have < this.#want) continue;
      const h = this.#hdr;
      const size = ((h[1] ?? 0) << 16) | ((h[2] ?? 0) << 8) | (h[3] ?? 0);
      if (this.#want === 11 && size > 0) {
        this.#want = 11 + Math.min(2, size);
        continue;
      }
      const ts = (((h[4] ?? 0) << 16) | ((h[5] ?? 0) << 8) | (h[6] ?? 0)) + (h[7] ?? 0) * 0x1000000;
      const peeked = this.#want - 11;
      this.#onTag((h[0] ?? 0) & 0x1f, ts, size, h[11] ?? 0, h[12] ?? 0);
      this.#skip = size - peeked + 4;
      this.#have = 0;
      this.#want = 11;
    }
  }
}
