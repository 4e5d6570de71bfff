/** AMF0, as RTMP commands use it: numbers, strings, booleans, null/undefined and objects. */

export type Amf = string | number | boolean | null | undefined | { [k: string]: Amf };

export function amf0(values: readonly Amf[]): Buffer {
  const out: Buffer[] = [];
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    const h = Buffer.alloc(2);
    h.writeUInt16BE(b.length);
    return Buffer.concat([h, b]);
  };
  const one = (v: Amf) => {
    if (typeof v === "number") {
      const b = Buffer.alloc(9);
      b.writeDoubleBE(v, 1);
      out.push(b);
    } else if (typeof v === "string") out.push(Buffer.from([2]), str(v));
    else if (typeof v === "boolean") out.push(Buffer.from([1, v ? 1 : 0]));
    else if (v === null || v === undefined) out.push(Buffer.from([5]));
    else {
      out.push(Buffer.from([3]));
      for (const [k, x] of Object.entries(v)) {
        out.push(str(k));
        one(x);
      }
      out.push(Buffer.from([0, 0, 9]));
    }
  };
  for (const v of values) one(v);
  return Buffer.concat(out);
}

/** Top-level AMF0 values of a command; objects come back as plain objects (one level deep). */
export function decodeAmf0(b: Buffer): Amf[] {
  const out: Amf[] = [];
  let p = 0;
  const read = (): Amf => {
    const t = b[p++];
    if (t === 0) {
      const v = b.readDoubleBE(p);
      p += 8;
      return v;
    }
    if (t === 1) return b[p++] === 1;
    if (t === 2) {
      const n = b.readUInt16BE(p);
      const s = b.toString("utf8", p + 2, p + 2 + n);
      p += 2 + n;
      return s;
    }
    if (t === 3 || t === 8) {
      if (t === 8) p += 4;
      const obj: Record<string, Amf> = {};
      while (p + 3 <= b.length && !(b[p] === 0 && b[p + 1] === 0 && b[p + 2] === 9)) {
        const n = b.readUInt16BE(p);
        const k = b.toString("utf8", p + 2, p + 2 + n);
        p += 2 + n;
        obj[k] = read();
      }
      p += 3;
      return obj;
    }
    return null;
  };
  while (p < b.length) out.push(read());
  return out;
}
