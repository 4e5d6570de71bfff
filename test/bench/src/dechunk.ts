/** Decodes an HTTP/1.1 chunked body incrementally, passing data slices on without copying them. */
export class Dechunker {
  #left = 0; // data bytes left in the current chunk
  #line = ""; // size line being read
  #crlf = 0; // bytes of the CRLF after a chunk still to skip
  readonly #onData: (data: Buffer) => void;

  constructor(onData: (data: Buffer) => void) {
    this.#onData = onData;
  }

  push(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.#crlf > 0) {
        const n = Math.min(this.#crlf, buf.length - pos);
        this.#crlf -= n;
        pos += n;
      } else if (this.#left > 0) {
        const n = Math.min(this.#left, buf.length - pos);
        this.#onData(buf.subarray(pos, pos + n));
        this.#left -= n;
        pos += n;
        if (this.#left === 0) this.#crlf = 2;
      } else {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) {
          this.#line += buf.toString("latin1", pos);
          return;
        }
        this.#line += buf.toString("latin1", pos, nl);
        pos = nl + 1;
        this.#left = Number.parseInt(this.#line.trim().split(";")[0] ?? "0", 16) || 0;
        this.#line = "";
      }
    }
  }
}
