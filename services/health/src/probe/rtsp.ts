import type { ProbeResult } from "../domain/tracker.ts";
import { type Endpoint, withSocket } from "./connect.ts";

/** RTSP OPTIONS: a `RTSP/1.0 200` (or 401: alive, wants credentials) means the server answers. */
export function probeRtsp(ep: Endpoint, url: string, timeoutMs: number): Promise<ProbeResult> {
  return withSocket(ep, timeoutMs, (socket, done) => {
    socket.write(`OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: vis-health\r\n\r\n`);
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n");
      if (end < 0) {
        if (text.length > 512) done(false, "not an RTSP answer");
        return;
      }
      const m = /^RTSP\/1\.\d (\d{3})/.exec(text.slice(0, end));
      if (m === null) return done(false, "not an RTSP answer");
      const status = Number(m[1]);
      if (status === 200 || status === 401) return done(true, status === 401 ? "RTSP 401" : "");
      done(false, `RTSP ${status}`);
    });
  });
}
