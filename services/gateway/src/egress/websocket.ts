import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B65";

/** True when the request asks for a WebSocket (RFC 6455 §4.2.1) with a key we can answer. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (
    (req.headers.upgrade ?? "").toLowerCase() === "websocket" &&
    typeof req.headers["sec-websocket-key"] === "string"
  );
}

/** The 101 response that accepts the upgrade. */
export function acceptResponse(req: IncomingMessage): string {
  const key = String(req.headers["sec-websocket-key"]);
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  return (
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`
  );
}

/** Header of an unmasked, final binary frame of `length` bytes (server → client). */
export function binaryFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x82, length]);
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x82;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x82;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/**
 * Watches what the client sends: calls `onClose` at a close frame. Viewers send nothing else that
 * matters (pings are answered by closing nothing; data frames are ignored). Input is bounded: a
 * client sending more than `maxBytes` in total is treated as closing.
 */
export function watchClientFrames(socket: Duplex, onClose: () => void, maxBytes = 64 * 1024): void {
  let seen = 0;
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) return onClose();
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const opcode = (pending[0] ?? 0) & 0x0f;
      let len = (pending[1] ?? 0) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (pending.length < 4) return;
        len = pending.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (pending.length < 10) return;
        len = Number(pending.readBigUInt64BE(2));
        off = 10;
      }
      const masked = ((pending[1] ?? 0) & 0x80) !== 0;
      const total = off + (masked ? 4 : 0) + len;
      if (pending.length < total) return;
      pending = pending.subarray(total);
      if (opcode === 0x8) return onClose();
    }
  });
}
