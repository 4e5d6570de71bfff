import { describe, expect, it } from "vitest";
import { FlvDemuxer } from "../flv/flv-demuxer.ts";
import { gops, stream } from "../flv/flv-test-stream.ts";
import { WindowCutter } from "../playback/window-cutter.ts";
import { type CutSegment, Segmenter, tagsOf } from "./segmenter.ts";

const WALL = 1_764_400_000_000;

/**
 * Ten 160 ms GOPs, cut into ≥ 300 ms segments. The first two arrive in one burst (a server's GOP
 * cache) at WALL + 330; the rest each 5 ms after its keyframe time: the clock base is WALL + 5.
 */
function record(resumeAfter?: number): CutSegment[] {
  const d = new FlvDemuxer();
  let now = WALL + 330;
  const seg = new Segmenter(300, () => now);
  if (resumeAfter !== undefined) seg.resumeAfter(resumeAfter);
  const bytes = stream(gops(10));
  const cut: number[] = [];
  let pos = 13;
  // split the stream before each keyframe tag (type 9, body byte 0x17)
  for (let g = 0; g < 10; g++) {
    let p = pos;
    while (
      p < bytes.length &&
      !(bytes[p] === 9 && bytes[p + 11] === 0x17 && bytes[p + 12] === 1 && p > pos)
    ) {
      p += 11 + bytes.readUIntBE(p + 1, 3) + 4;
    }
    cut.push(p);
    pos = p;
  }
  const out: CutSegment[] = [];
  let from = 0;
  cut.forEach((end, g) => {
    // part g ends before keyframe g, so it holds GOP g - 1; GOPs 0 and 1 come in one burst
    if (g <= 1) return;
    if (g >= 3) now = WALL + (g - 1) * 160 + 5;
    out.push(...seg.push(d.push(bytes.subarray(from, end))));
    from = end;
  });
  now = WALL + 9 * 160 + 5;
  out.push(...seg.push(d.push(bytes.subarray(from))));
  const last = seg.flush();
  return last ? [...out, last] : out;
}

function media(buf: Buffer): { type: number; ts: number; key: boolean }[] {
  return [...tagsOf(buf, 13)]
    .map((t) => ({
      type: buf[t.pos] ?? 0,
      ts: t.ts,
      key: (buf[t.pos + 11] ?? 0) >> 4 === 1,
      cfg: buf[t.pos + 12] === 0,
    }))
    .filter((t) => t.type !== 18 && !t.cfg)
    .map(({ type, ts, key }) => ({ type, ts, key }));
}

describe("segmenter", () => {
  it("cuts at keyframes, each segment self-contained with configs and timestamps from 0", () => {
    const segs = record();
    expect(segs.map((s) => [s.startMs - WALL, s.endMs - WALL])).toEqual([
      [5, 325],
      [325, 645],
      [645, 965],
      [965, 1285],
      [1285, 1605],
    ]);
    for (const s of segs) {
      expect(s.data.subarray(0, 3).toString()).toBe("FLV");
      const m = media(s.data);
      expect(m[0]).toMatchObject({ type: 9, ts: 0, key: true });
      expect(Math.max(...m.map((t) => t.ts))).toBe(280);
    }
  });

  it("after a takeover no segment starts before what the previous writer stored", () => {
    // the previous gateway stored footage up to WALL + 200; the GOP cache replays from WALL + 5
    const segs = record(WALL + 200);
    expect(segs.map((s) => [s.startMs - WALL, s.endMs - WALL])).toEqual([
      [200, 325],
      [325, 645],
      [645, 965],
      [965, 1285],
      [1285, 1605],
    ]);
  });
});

describe("window cutter", () => {
  const segs = record();
  const cut = (from: number, to: number) => {
    const c = new WindowCutter(WALL + from, WALL + to);
    const parts: Buffer[] = [];
    for (const s of segs) {
      c.startFile(s.startMs);
      parts.push(...c.push(s.data));
    }
    return { c, out: Buffer.concat(parts) };
  };

  it("starts at the first keyframe at or after t1 and sends nothing at or after t2", () => {
    const { c, out } = cut(170, 900);
    expect(c.startWall).toBe(WALL + 325); // keyframes at 5 + 160k: 165 < 170, so 325
    const m = media(out);
    expect(m[0]).toMatchObject({ type: 9, ts: 0, key: true });
    expect(Math.max(...m.map((t) => t.ts)) + 325).toBeLessThan(900);
    expect(Math.max(...m.map((t) => t.ts)) + 325).toBeGreaterThanOrEqual(900 - 40);
    expect(out.subarray(0, 3).toString()).toBe("FLV");
    // one header, configs once
    expect(out.indexOf("FLV", 3)).toBe(-1);
  });

  it("pieces ending at the next keyframe join without a frame lost or sent twice", () => {
    const run = (from: number, to: number, limit?: number) => {
      const c = new WindowCutter(WALL + from, WALL + to, {
        originMs: WALL + 170,
        ...(limit === undefined ? {} : { limitMs: WALL + limit }),
      });
      const parts: Buffer[] = [];
      for (const s of segs) {
        c.startFile(s.startMs);
        parts.push(...c.push(s.data));
      }
      // timestamps count from the window's start (170) in every piece
      return media(Buffer.concat(parts)).map((t) => ({ ...t, wall: WALL + 170 + t.ts }));
    };
    const whole = run(170, 1500);
    // three pieces of one window [170, 1500): the first two run on to their next keyframe
    const pieces = [run(170, 600, 1500), run(600, 1000, 1500), run(1000, 1500)];
    const joined = pieces.flat();
    expect(joined.map((t) => [t.type, t.wall])).toEqual(whole.map((t) => [t.type, t.wall]));
    // each piece after the first starts at a keyframe; the first two end just before one
    for (const p of pieces) expect(p[0]).toMatchObject({ type: 9, key: true });
    // one timeline across the pieces: piece 2 starts where piece 1 stopped (keyframe at 645)
    expect(pieces[1]?.[0]?.ts).toBe(645 - 170);
    const videoTs = joined.filter((t) => t.type === 9).map((t) => t.ts);
    expect(videoTs).toEqual([...videoTs].sort((a, b) => a - b));
    expect(Math.max(...(pieces[0] ?? []).map((t) => t.wall))).toBeGreaterThanOrEqual(WALL + 600);
    // never past the limit (the grant's end)
    const capped = run(170, 600, 610);
    expect(Math.max(...capped.map((t) => t.wall))).toBeLessThan(WALL + 610);
  });

  it("a window with no keyframe yields nothing", () => {
    const { out, c } = cut(10, 100);
    expect(out.length).toBe(0);
    expect(c.startWall).toBeUndefined();
  });

  it("maps an operator's answer by the wall time of its first keyframe", () => {
    const c = new WindowCutter(WALL + 500, WALL + 700);
    c.startFile(undefined, WALL);
    const m = media(Buffer.concat(c.push(stream(gops(10)))));
    expect(c.startWall).toBe(WALL + 640);
    expect(m.every((t) => t.ts < 60)).toBe(true);
  });
});
