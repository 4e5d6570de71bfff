import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ProbeResult } from "../domain/tracker.ts";

/** FLV header (9) + PreviousTagSize0 (4) + one tag header (11). */
const FIRST_TAG_BYTES = 24;
const TAG_TYPES = new Set([8, 9, 18]);

/**
 * HTTP-FLV: GET the live stream and wait for the FLV header and the first tag. A camera whose
 * publisher is gone answers an error status, or never sends a tag (timeout).
 */
export function probeHttpFlv(url: URL, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: "GET",
      agent: false,
      headers: { "user-agent": "vis-health" },
    });
    const finish = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, reason, latencyMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, `no FLV tag within ${timeoutMs} ms`), timeoutMs);
    req.once("error", (err: NodeJS.ErrnoException) =>
      finish(false, `connect ${err.code ?? err.message}`),
    );
    req.once("response", (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return finish(false, `HTTP ${res.statusCode}`);
      }
      const chunks: Buffer[] = [];
      let have = 0;
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        have += chunk.length;
        if (have < FIRST_TAG_BYTES) return;
        const b = Buffer.concat(chunks);
        if (b.toString("latin1", 0, 3) !== "FLV") return finish(false, "not an FLV stream");
        const tagType = (b[13] ?? 0) & 0x1f;
        finish(TAG_TYPES.has(tagType), TAG_TYPES.has(tagType) ? "" : `bad FLV tag type ${tagType}`);
      });
      res.once("end", () => finish(false, "stream ended before the first FLV tag"));
    });
    req.end();
  });
}
