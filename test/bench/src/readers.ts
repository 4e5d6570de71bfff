import { connect, type Socket } from "node:net";
import { Dechunker } from "./dechunk.ts";
import { FlvWalker } from "./flv-walker.ts";
import { RtmpPlayer } from "./rtmp-player.ts";

/**
 * The benchmark's viewers, in their own process (forked by gateway-bench.ts, driven over IPC):
 * many plain sockets reading HTTP-FLV or RTMP, timing the join and counting media bytes.
 */

export type ReaderCommand =
  | { cmd: "open"; url: string; protocol: "http-flv" | "rtmp"; count: number; rampMs: number }
  | { cmd: "mark" }
  | { cmd: "status" }
  | { cmd: "report"; from: number }
  | { cmd: "close"; keep: number };

export interface ViewerResult {
  /** ms from connect to the first body byte / first video keyframe (undefined = never). */
  firstByteMs: number | undefined;
  firstKeyframeMs: number | undefined;
  /** How much media the viewer had beyond real time ~1 s after its first keyframe: its start lag. */
  behindLiveMs: number | undefined;
  /** Media payload bytes since `mark`, and the seconds since `mark`. */
  windowBytes: number;
  windowSec: number;
  error: string | undefined;
  closed: boolean;
}

interface Viewer {
  socket: Socket;
  t0: number;
  firstByte: number | undefined;
  firstKey: number | undefined;
  firstKeyTs: number;
  behind: number | undefined;
  bytes: number;
  markBytes: number;
  markAt: number;
  error: string | undefined;
  closed: boolean;
}

const viewers: Viewer[] = [];
const now = () => performance.now();

function open(url: string, protocol: "http-flv" | "rtmp"): void {
  const u = new URL(url);
  const v: Viewer = {
    socket: connect(Number(u.port), u.hostname),
    t0: now(),
    firstByte: undefined,
    firstKey: undefined,
    firstKeyTs: 0,
    behind: undefined,
    bytes: 0,
    markBytes: 0,
    markAt: 0,
    error: undefined,
    closed: false,
  };
  viewers.push(v);
  const onTag = (type: number, ts: number, size: number, b0: number, b1: number) => {
    if (type !== 8 && type !== 9) return;
    v.bytes += size;
    const t = now();
    if (type === 9 && b0 >> 4 === 1 && b1 === 1 && v.firstKey === undefined) {
      v.firstKey = t;
      v.firstKeyTs = ts;
    } else if (v.firstKey !== undefined && v.behind === undefined && t - v.firstKey >= 1000) {
      v.behind = ts - v.firstKeyTs - (t - v.firstKey);
    }
  };
  let headerDone = protocol === "rtmp";
  let head = "";
  const walker = new FlvWalker(onTag);
  let body: (data: Buffer) => void = (d) => walker.push(d);
  const rtmp = protocol === "rtmp" ? new RtmpPlayer(v.socket, url, onTag) : undefined;
  v.socket.on("connect", () => {
    if (rtmp) rtmp.start();
    else v.socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
  });
  v.socket.on("data", (chunk: Buffer) => {
    v.firstByte ??= now();
    if (rtmp) return rtmp.push(chunk);
    if (!headerDone) {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!head.startsWith("HTTP/1.1 200")) {
        v.error = head.split("\r\n")[0];
        v.socket.destroy();
        return;
      }
      headerDone = true;
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, end))) {
        const d = new Dechunker((data) => walker.push(data));
        body = (data) => d.push(data);
      }
      const rest = chunk.subarray(chunk.length - (head.length - end - 4));
      head = "";
      if (rest.length > 0) body(rest);
      return;
    }
    body(chunk);
  });
  v.socket.on("error", (err) => {
    v.error ??= err.message;
  });
  v.socket.on("close", () => {
    v.closed = true;
  });
}

process.on("message", (m: ReaderCommand) => {
  if (m.cmd === "open") {
    const gap = m.count > 1 ? m.rampMs / m.count : 0;
    let i = 0;
    const next = () => {
      const due = Math.min(m.count, gap === 0 ? m.count : Math.floor((now() - start) / gap) + 1);
      while (i < due) {
        open(m.url, m.protocol);
        i++;
      }
      if (i < m.count) setTimeout(next, Math.max(1, gap));
      else process.send?.({ opened: m.count });
    };
    const start = now();
    next();
  } else if (m.cmd === "status") {
    const joined = viewers.filter((v) => v.firstKey !== undefined).length;
    const failed = viewers.filter((v) => v.firstKey === undefined && (v.closed || v.error)).length;
    process.send?.({ total: viewers.length, joined, failed });
  } else if (m.cmd === "mark") {
    const t = now();
    for (const v of viewers) {
      v.markBytes = v.bytes;
      v.markAt = t;
    }
    process.send?.({ marked: viewers.length });
  } else if (m.cmd === "report") {
    const t = now();
    const results: ViewerResult[] = viewers.slice(m.from).map((v) => ({
      firstByteMs: v.firstByte === undefined ? undefined : v.firstByte - v.t0,
      firstKeyframeMs: v.firstKey === undefined ? undefined : v.firstKey - v.t0,
      behindLiveMs: v.behind,
      windowBytes: v.bytes - v.markBytes,
      windowSec: (t - v.markAt) / 1000,
      error: v.error,
      closed: v.closed,
    }));
    process.send?.({ results });
  } else if (m.cmd === "close") {
    for (const v of viewers.splice(m.keep)) v.socket.destroy();
    process.send?.({ closed: true });
  }
});
process.on("disconnect", () => process.exit(0));
