/** Builds small synthetic FLV streams for unit tests (not used at run time). */

export interface TestTag {
  readonly type: "video-config" | "audio-config" | "keyframe" | "inter" | "audio" | "metadata";
  readonly ts: number;
  readonly size?: number;
}

export function tag(t: TestTag): Buffer {
  const size = t.size ?? 20;
  const typeId =
    t.type === "metadata" ? 18 : t.type === "audio" || t.type === "audio-config" ? 8 : 9;
  const body = Buffer.alloc(size, 0xab);
  if (typeId === 9) {
    body[0] = (t.type === "inter" ? 0x20 : 0x10) | 7;
    body[1] = t.type === "video-config" ? 0 : 1;
  } else if (typeId === 8) {
    body[0] = 0xaf;
    body[1] = t.type === "audio-config" ? 0 : 1;
  }
  const h = Buffer.alloc(11);
  h[0] = typeId;
  h.writeUIntBE(size, 1, 3);
  h.writeUIntBE(t.ts & 0xffffff, 4, 3);
  h[7] = (t.ts >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + size);
  return Buffer.concat([h, body, prev]);
}

export function stream(tags: readonly TestTag[]): Buffer {
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
  return Buffer.concat([header, ...tags.map(tag)]);
}

/** A stream start: metadata, both configs, then `gops` GOPs of a keyframe + 3 inter + audio. */
export function gops(count: number, startTs = 0): TestTag[] {
  const out: TestTag[] = [
    { type: "metadata", ts: 0 },
    { type: "video-config", ts: startTs },
    { type: "audio-config", ts: startTs },
  ];
  let ts = startTs;
  for (let g = 0; g < count; g++) {
    out.push({ type: "keyframe", ts, size: 200 });
    for (let i = 0; i < 3; i++) {
      out.push({ type: "audio", ts: ts + 10 });
      ts += 40;
      out.push({ type: "inter", ts });
    }
    ts += 40;
  }
  return out;
}
