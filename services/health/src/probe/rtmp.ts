import { randomBytes } from "node:crypto";
import type { ProbeResult } from "../domain/tracker.ts";
import { type Endpoint, withSocket } from "./connect.ts";

const HANDSHAKE = 1536;

/** RTMP handshake: send C0+C1, expect S0 (version 3) and S1, answer C2, close. */
export function probeRtmp(ep: Endpoint, timeoutMs: number): Promise<ProbeResult> {
  return withSocket(ep, timeoutMs, (socket, done) => {
    const c1 = randomBytes(HANDSHAKE);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(0, 4);
    socket.write(Buffer.concat([Buffer.from([3]), c1]));
    const chunks: Buffer[] = [];
    let have = 0;
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have < 1 + HANDSHAKE) return;
      const all = Buffer.concat(chunks);
      if (all[0] !== 3) return done(false, `RTMP version ${all[0]} (want 3)`);
      socket.write(all.subarray(1, 1 + HANDSHAKE));
      done(true, "");
    });
  });
}
