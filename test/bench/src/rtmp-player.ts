import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { amf0, decodeAmf0 } from "@vis/amf";
import type { TagSink } from "./flv-walker.ts";

/**
 * A minimal RTMP player for benchmarks: handshake, connect/createStream/play, then a chunk-stream
 * reader that reports media messages like the FLV walker (type, timestamp, size, first bytes)
 * without copying media payloads. Acknowledges per the server's window and answers pings.
 */
export class RtmpPlayer {
  readonly #socket: Socket;
  readonly #onTag: TagSink;
  readonly #app: string;
  readonly #stream: string;
  readonly #tcUrl: string;
  #hs = 0; // handshake bytes received (needs 1 + 1536 + 1536)
  #pending: Buffer | undefined;
  #inChunk = 128;
  readonly #cs = new Map<number, ChunkState>();
  #cur: ChunkState | undefined;
  #dataLeft = 0; // bytes of the current chunk's data still to read
  #received = 0;
  #acked = 0;
  #window = 0;

  readonly #onCommand: ((name: string, args: unknown[]) => void) | undefined;

  constructor(
    socket: Socket,
    url: string,
    onTag: TagSink,
    onCommand?: (name: string, args: unknown[]) => void,
  ) {
    this.#onCommand = onCommand;
    const u = new URL(url);
    const parts = u.pathname.split("/").filter(Boolean);
    this.#socket = socket;
    this.#onTag = onTag;
    this.#app = parts[0] ?? "live";
    this.#stream = parts.slice(1).join("/") + u.search;
    this.#tcUrl = `rtmp://${u.host}/${this.#app}`;
  }

  /** Call on connect: sends C0 + C1. */
  start(): void {
    const c1 = randomBytes(1536);
    c1.fill(0, 0, 8);
    this.#socket.write(Buffer.concat([Buffer.from([3]), c1]));
  }

  push(chunk: Buffer): void {
    this.#received += chunk.length;
    if (this.#window > 0 && this.#received - this.#acked >= this.#window) {
      this.#acked = this.#received;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(this.#received >>> 0);
      this.#send(2, 3, 0, b);
    }
    let buf = chunk;
    if (this.#hs < 3073) {
      const n = Math.min(3073 - this.#hs, buf.length);
      const before = this.#hs;
      this.#hs += n;
      if (before < 1537 && this.#hs >= 1537) {
        // C2 echoes S1; content is not checked by the servers we test.
        this.#socket.write(Buffer.alloc(1536));
      }
      buf = buf.subarray(n);
      if (this.#hs === 3073) this.#afterHandshake();
      if (buf.length === 0) return;
    }
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, buf]);
      this.#pending = undefined;
    }
    this.#parse(buf);
  }

  #afterHandshake(): void {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(4096);
    this.#send(2, 1, 0, size);
    this.#outChunk = 4096;
    this.#send(
      3,
      20,
      0,
      amf0([
        "connect",
        1,
        {
          app: this.#app,
          flashVer: "LNX 9,0,124,2",
          tcUrl: this.#tcUrl,
          fpad: false,
          capabilities: 15,
          audioCodecs: 3191,
          videoCodecs: 252,
          videoFunction: 1,
        },
      ]),
    );
    this.#send(3, 20, 0, amf0(["createStream", 2, null]));
  }

  #outChunk = 128;

  #send(csid: number, typeId: number, streamId: number, body: Buffer): void {
    const parts: Buffer[] = [];
    const h = Buffer.alloc(12);
    h[0] = csid & 0x3f;
    h.writeUIntBE(body.length, 4, 3);
    h[7] = typeId;
    h.writeUInt32LE(streamId, 8);
    parts.push(h);
    for (let off = 0; off < body.length; off += this.#outChunk) {
      if (off > 0) parts.push(Buffer.from([0xc0 | (csid & 0x3f)]));
      parts.push(body.subarray(off, off + this.#outChunk));
    }
    this.#socket.write(Buffer.concat(parts));
  }

  #parse(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.#dataLeft > 0) {
        const cur = this.#cur as ChunkState;
        const n = Math.min(this.#dataLeft, buf.length - pos);
        this.#consume(cur, buf, pos, n);
        pos += n;
        this.#dataLeft -= n;
        if (this.#dataLeft === 0 && cur.got === cur.len) this.#complete(cur);
        continue;
      }
      const start = pos;
      const b0 = buf[pos] ?? 0;
      const fmt = b0 >> 6;
      let csid = b0 & 0x3f;
      let p = pos + 1;
      if (csid === 0) {
        if (p + 1 > buf.length) {
          this.#keep(buf, start);
          return;
        }
        csid = 64 + (buf[p] ?? 0);
        p += 1;
      } else if (csid === 1) {
        if (p + 2 > buf.length) {
          this.#keep(buf, start);
          return;
        }
        csid = 64 + (buf[p] ?? 0) + (buf[p + 1] ?? 0) * 256;
        p += 2;
      }
      const hlen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
      if (p + hlen > buf.length) {
        this.#keep(buf, start);
        return;
      }
      let s = this.#cs.get(csid);
      if (!s) {
        s = {
          len: 0,
          type: 0,
          ts: 0,
          delta: 0,
          got: 0,
          open: false,
          b0: -1,
          b1: -1,
          body: undefined,
        };
        this.#cs.set(csid, s);
      }
      let ext = false;
      if (fmt <= 2) {
        const t = buf.readUIntBE(p, 3);
        ext = t === 0xffffff;
        if (fmt === 0) s.ts = t;
        else s.delta = t;
      }
      if (fmt <= 1) {
        s.len = buf.readUIntBE(p + 3, 3);
        s.type = buf[p + 6] ?? 0;
      }
      p += hlen;
      if (ext) {
        if (p + 4 > buf.length) {
          this.#keep(buf, start);
          return;
        }
        const t = buf.readUInt32BE(p);
        if (fmt === 0) s.ts = t;
        else s.delta = t;
        p += 4;
      }
      if (!s.open) {
        // a new message on this chunk stream
        if (fmt !== 0) s.ts += s.delta;
        s.open = true;
        s.got = 0;
        s.b0 = -1;
        s.b1 = -1;
        s.body = s.type === 8 || s.type === 9 ? undefined : [];
      }
      pos = p;
      this.#cur = s;
      this.#dataLeft = Math.min(this.#inChunk, s.len - s.got);
      if (this.#dataLeft === 0) this.#complete(s);
    }
  }

  #keep(buf: Buffer, from: number): void {
    this.#pending = Buffer.from(buf.subarray(from));
  }

  #consume(s: ChunkState, buf: Buffer, pos: number, n: number): void {
    if (s.got === 0 && n > 0) s.b0 = buf[pos] ?? 0;
    if (s.got <= 1 && s.got + n > 1) s.b1 = buf[pos + 1 - s.got] ?? 0;
    if (s.body) s.body.push(Buffer.from(buf.subarray(pos, pos + n)));
    s.got += n;
  }

  #complete(s: ChunkState): void {
    s.open = false;
    if (s.type === 8 || s.type === 9) {
      this.#onTag(s.type, s.ts, s.len, s.b0, s.b1);
      return;
    }
    const body = Buffer.concat(s.body ?? []);
    if (s.type === 1) this.#inChunk = body.readUInt32BE(0) & 0x7fffffff;
    else if (s.type === 5) this.#window = body.readUInt32BE(0);
    else if (s.type === 4 && body.readUInt16BE(0) === 6) {
      const pong = Buffer.alloc(6);
      pong.writeUInt16BE(7);
      body.copy(pong, 2, 2, 6);
      this.#send(2, 4, 0, pong);
    } else if (s.type === 20) {
      const values = decodeAmf0(body);
      const [name, txn, , streamId] = values;
      this.#onCommand?.(String(name), values.slice(2));
      if (name === "_result" && txn === 2 && typeof streamId === "number") {
        this.#send(8, 20, streamId, amf0(["play", 0, null, this.#stream]));
      }
    }
  }
}

interface ChunkState {
  len: number;
  type: number;
  ts: number;
  delta: number;
  got: number;
  /** A message is being received on this chunk stream. */
  open: boolean;
  b0: number;
  b1: number;
  body: Buffer[] | undefined;
}
