import { createServer, type Server, type Socket } from "node:net";
import { VisError } from "@vis/errors";
import type { ViewerSink } from "../hub/viewer-sink.ts";
import type { PlayRequest } from "../sessions/play-authorizer.ts";
import { CAMERA_ID } from "./play-request.ts";
import {
  type Amf,
  command,
  control,
  decodeAmf0,
  OUT_CHUNK,
  onStatus,
  rtmpOfFlv,
  STREAM_ID,
  u32,
} from "./rtmp-messages.ts";

/** What the RTMP server asks of the gateway: admit a play (no byte sent yet), then start it. */
export interface RtmpPlays {
  admit(
    request: PlayRequest,
  ): Promise<{ start(sink: ViewerSink, socket: Socket): void } | VisError>;
}

const MAX_MESSAGE = 64 * 1024;
const MAX_BEFORE_PLAY = 256 * 1024;

/**
 * RTMP play egress: handshake, `connect`, `createStream`, then `play <camera>?token=…` is
 * authorised *before* any NetStream status: a refused play gets `NetStream.Play.Failed` (never
 * `Play.Start`) and the connection is closed; an admitted one gets `Play.Start` and the shared
 * units, each turned into RTMP chunks once for all RTMP viewers.
 */
export function createRtmpServer(plays: RtmpPlays): Server {
  return createServer((socket) => new RtmpConnection(socket, plays));
}

interface InMessage {
  len: number;
  type: number;
  streamId: number;
  parts: Buffer[];
  got: number;
}

class RtmpConnection {
  readonly #s: Socket;
  readonly #plays: RtmpPlays;
  #buf: Buffer = Buffer.alloc(0);
  #hs: "c0c1" | "c2" | "chunks" | "playing" = "c0c1";
  #inChunk = 128;
  #seen = 0;
  readonly #streams = new Map<number, InMessage>();
  #app = "";

  constructor(socket: Socket, plays: RtmpPlays) {
    this.#s = socket;
    this.#plays = plays;
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    socket.on("data", (d: Buffer) => this.#onData(d));
    socket.setTimeout(15_000, () => {
      if (this.#hs !== "playing") socket.destroy();
    });
  }

  #onData(d: Buffer): void {
    if (this.#hs === "playing") return; // players send acks and buffer-length pings only
    this.#seen += d.length;
    if (this.#seen > MAX_BEFORE_PLAY) {
      this.#s.destroy();
      return;
    }
    this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
    if (this.#hs === "c0c1") {
      if (this.#buf.length < 1537) return;
      const c1 = this.#buf.subarray(1, 1537);
      const s1 = Buffer.alloc(1536);
      s1.writeUInt32BE(Math.floor(process.uptime() * 1000) >>> 0, 0);
      this.#s.write(Buffer.concat([Buffer.from([3]), s1, c1]));
      this.#buf = this.#buf.subarray(1537);
      this.#hs = "c2";
    }
    if (this.#hs === "c2") {
      if (this.#buf.length < 1536) return;
      this.#buf = this.#buf.subarray(1536);
      this.#hs = "chunks";
    }
    this.#parse();
  }

  #parse(): void {
    const b = this.#buf;
    let pos = 0;
    while (pos < b.length && this.#hs === "chunks") {
      const start = pos;
      const fmt = (b[pos] ?? 0) >> 6;
      let csid = (b[pos] ?? 0) & 0x3f;
      pos += 1;
      if (csid === 0 || csid === 1) {
        const extra = csid === 0 ? 1 : 2;
        if (pos + extra > b.length) {
          this.#keep(start);
          return;
        }
        csid = 64 + (b[pos] ?? 0) + (csid === 1 ? (b[pos + 1] ?? 0) * 256 : 0);
        pos += extra;
      }
      const hlen = [11, 7, 3, 0][fmt] ?? 0;
      if (pos + hlen > b.length) {
        this.#keep(start);
        return;
      }
      let m = this.#streams.get(csid);
      if (!m) {
        m = { len: 0, type: 0, streamId: 0, parts: [], got: 0 };
        this.#streams.set(csid, m);
      }
      const extTs = fmt <= 2 && b.readUIntBE(pos, 3) === 0xffffff;
      if (fmt <= 1) {
        m.len = b.readUIntBE(pos + 3, 3);
        m.type = b[pos + 6] ?? 0;
        if (fmt === 0) m.streamId = b.readUInt32LE(pos + 7);
      }
      pos += hlen + (extTs ? 4 : 0);
      if (m.len > MAX_MESSAGE) {
        this.#s.destroy();
        return;
      }
      const n = Math.min(this.#inChunk, m.len - m.got);
      if (pos + n > b.length) {
        this.#keep(start);
        return;
      }
      m.parts.push(b.subarray(pos, pos + n));
      m.got += n;
      pos += n;
      if (m.got >= m.len) {
        const body = Buffer.concat(m.parts);
        m.parts = [];
        m.got = 0;
        this.#message(m.type, m.streamId, body);
      }
    }
    this.#buf = Buffer.alloc(0);
  }

  #keep(from: number): void {
    this.#buf = Buffer.from(this.#buf.subarray(from));
  }

  #message(type: number, streamId: number, body: Buffer): void {
    if (type === 1 && body.length >= 4)
      this.#inChunk = Math.max(1, body.readUInt32BE(0) & 0x7fffffff);
    if (type !== 20) return;
    const [name, txn, obj, ...args] = decodeAmf0(body);
    if (name === "connect") {
      const app = typeof obj === "object" && obj !== null ? obj.app : undefined;
      this.#app = typeof app === "string" ? app : "";
      this.#s.write(
        Buffer.concat([
          control(5, u32(2_500_000)),
          control(6, Buffer.concat([u32(2_500_000), Buffer.from([2])])),
          control(1, u32(OUT_CHUNK)),
          command([
            "_result",
            txn,
            { fmsVer: "FMS/3,0,1,123", capabilities: 31 },
            {
              level: "status",
              code: "NetConnection.Connect.Success",
              description: "Connection succeeded.",
              objectEncoding: 0,
            },
          ]),
        ]),
      );
    } else if (name === "createStream") {
      this.#s.write(command(["_result", txn, null, STREAM_ID]));
    } else if (name === "play") {
      this.#hs = "playing";
      void this.#play(typeof args[0] === "string" ? args[0] : "", streamId);
    }
  }

  async #play(streamName: string, _streamId: number): Promise<void> {
    const [camera = "", query = ""] = streamName.split("?");
    const token = new URLSearchParams(query).get("token") ?? undefined;
    let admitted: Awaited<ReturnType<RtmpPlays["admit"]>>;
    if (this.#app !== "live" || !CAMERA_ID.test(camera)) {
      admitted = new VisError("not_found", "no such stream; play live/<camera>?token=…");
    } else {
      admitted = await this.#plays.admit({
        camera,
        mode: "live",
        protocol: "rtmp",
        token: token || undefined,
        remoteAddress: this.#s.remoteAddress ?? "",
      });
    }
    if (this.#s.destroyed) return;
    if (admitted instanceof VisError) {
      const code =
        admitted.code === "not_found" ? "NetStream.Play.StreamNotFound" : "NetStream.Play.Failed";
      this.#s.end(onStatus("error", code, `${admitted.code}: ${admitted.message}`));
      setTimeout(() => this.#s.destroy(), 500).unref();
      return;
    }
    const begin = Buffer.alloc(6);
    begin.writeUInt32BE(STREAM_ID, 2); // user control 0: StreamBegin
    this.#s.write(
      Buffer.concat([
        control(4, begin),
        onStatus("status", "NetStream.Play.Reset", `Playing and resetting ${camera}.`),
        onStatus("status", "NetStream.Play.Start", `Started playing ${camera}.`),
      ]),
    );
    const s = this.#s;
    admitted.start(
      {
        write: (data) => {
          const out = rtmpOfFlv(data);
          if (out.length > 0) s.write(out);
        },
        get writableLength() {
          return s.writableLength;
        },
        close: () => s.destroy(),
        cork: () => s.cork(),
        uncork: () => s.uncork(),
      },
      s,
    );
  }
}

export type { Amf };
