/**
 * RTMP serialisation for the gateway's RTMP egress: AMF0 commands, protocol control messages, and
 * FLV tags turned into RTMP chunks. Every media message uses a type-0 chunk header (absolute
 * timestamp) on message stream 1, so the bytes of a tag are the same for every viewer and are
 * serialised once per shared unit.
 */

import { type Amf, amf0 } from "@vis/amf";

export { type Amf, amf0, decodeAmf0 } from "@vis/amf";

export const OUT_CHUNK = 4096;
export const STREAM_ID = 1;

/** One RTMP message as chunks: type-0 header, then type-3 continuation headers. */
export function chunkMessage(
  csid: number,
  typeId: number,
  streamId: number,
  timestamp: number,
  body: Buffer,
  chunkSize = OUT_CHUNK,
): Buffer[] {
  const ext = timestamp >= 0xffffff;
  const h = Buffer.alloc(12 + (ext ? 4 : 0));
  h[0] = csid & 0x3f;
  h.writeUIntBE(ext ? 0xffffff : timestamp, 1, 3);
  h.writeUIntBE(body.length, 4, 3);
  h[7] = typeId;
  h.writeUInt32LE(streamId, 8);
  if (ext) h.writeUInt32BE(timestamp >>> 0, 12);
  const parts: Buffer[] = [h];
  for (let off = 0; off < body.length; off += chunkSize) {
    if (off > 0) {
      const c = Buffer.alloc(ext ? 5 : 1);
      c[0] = 0xc0 | (csid & 0x3f);
      if (ext) c.writeUInt32BE(timestamp >>> 0, 1);
      parts.push(c);
    }
    parts.push(body.subarray(off, Math.min(body.length, off + chunkSize)));
  }
  return parts;
}

/** A protocol control / user control / command message (small, built per connection). */
export function control(typeId: number, body: Buffer, streamId = 0, csid = 2): Buffer {
  return Buffer.concat(chunkMessage(csid, typeId, streamId, 0, body));
}

export const command = (values: readonly Amf[], streamId = 0) =>
  control(20, amf0(values), streamId, 3);

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** onStatus on the play stream. */
export function onStatus(level: "status" | "error", code: string, description: string): Buffer {
  return command(["onStatus", 0, null, { level, code, description }], STREAM_ID);
}

const cache = new WeakMap<Buffer, Buffer>();

/**
 * The RTMP bytes of a buffer of whole FLV tags (a shared unit), made once and cached for as long
 * as the unit lives. An FLV file header (a viewer's first write) has no RTMP form: empty.
 */
export function rtmpOfFlv(flv: Buffer): Buffer {
  const hit = cache.get(flv);
  if (hit) return hit;
  const parts: Buffer[] = [];
  let p = 0;
  if (flv.length >= 13 && flv[0] === 0x46 && flv[1] === 0x4c && flv[2] === 0x56) p = 13;
  while (p + 11 <= flv.length) {
    const type = (flv[p] ?? 0) & 0x1f;
    const size = flv.readUIntBE(p + 1, 3);
    const ts = flv.readUIntBE(p + 4, 3) + (flv[p + 7] ?? 0) * 0x1000000;
    const body = flv.subarray(p + 11, p + 11 + size);
    const csid = type === 8 ? 4 : type === 9 ? 6 : 5;
    parts.push(...chunkMessage(csid, type, STREAM_ID, type === 18 ? 0 : ts, body));
    p += 11 + size + 4;
  }
  const out = Buffer.concat(parts);
  cache.set(flv, out);
  return out;
}
