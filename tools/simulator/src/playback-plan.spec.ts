import { describe, expect, it } from "vitest";
import { concatScript, planPlayback, SEEK_MARGIN_MS } from "./playback-plan.ts";
import type { Segment } from "./segments.ts";

const T0 = 1_732_867_200_000;
const seg = (i: number, runMs = T0): Segment => ({
  name: `s${i}.ts`,
  runMs,
  startMs: T0 + i * 10_000,
  endMs: T0 + (i + 1) * 10_000,
});
const SEGS = [seg(0), seg(1), seg(2)];

describe("planPlayback", () => {
  it("starts at the keyframe at or before start and cuts at end", () => {
    const plan = planPlayback(SEGS, { startMs: T0 + 5_500, endMs: T0 + 14_000 }, 2000);
    expect(plan).toEqual({
      entries: [
        { name: "s0.ts", inpointSec: (4000 - SEEK_MARGIN_MS) / 1000 },
        { name: "s1.ts", outpointSec: 4 },
      ],
      startMs: T0 + 4000,
      endMs: T0 + 14_000,
    });
  });

  it("uses whole files when the window covers them", () => {
    const plan = planPlayback(SEGS, { startMs: T0 - 60_000, endMs: T0 + 60_000 }, 2000);
    expect(plan?.entries).toEqual([{ name: "s0.ts" }, { name: "s1.ts" }, { name: "s2.ts" }]);
    expect([plan?.startMs, plan?.endMs]).toEqual([T0, T0 + 30_000]);
  });

  it("cuts both ends inside one file and needs no in-point in the first GOP", () => {
    const plan = planPlayback(SEGS, { startMs: T0 + 21_000, endMs: T0 + 25_000 }, 2000);
    expect(plan?.entries).toEqual([{ name: "s2.ts", outpointSec: 5 }]);
    expect(plan?.startMs).toBe(T0 + 20_000);
  });

  it("returns undefined when nothing overlaps", () => {
    expect(planPlayback(SEGS, { startMs: T0 + 30_000, endMs: T0 + 40_000 }, 2000)).toBeUndefined();
    expect(planPlayback([], { startMs: T0, endMs: T0 + 1 }, 2000)).toBeUndefined();
  });

  it("skips gaps between runs", () => {
    const later = { ...seg(5, T0 + 50_000) };
    const plan = planPlayback([seg(0), later], { startMs: T0 + 30_000, endMs: T0 + 55_000 }, 2000);
    expect(plan?.entries).toEqual([{ name: "s5.ts", outpointSec: 5 }]);
    expect(plan?.startMs).toBe(T0 + 50_000);
  });
});

describe("concatScript", () => {
  it("writes an ffconcat script with file: URLs and quoted names", () => {
    const plan = {
      entries: [
        { name: "a.ts", inpointSec: 1.75 },
        { name: "b'c.ts", outpointSec: 4 },
      ],
      startMs: 0,
      endMs: 0,
    };
    expect(concatScript("/data/cam-001/", plan)).toBe(
      [
        "ffconcat version 1.0",
        "file 'file:/data/cam-001/a.ts'",
        "inpoint 1.750",
        "file 'file:/data/cam-001/b'\\''c.ts'",
        "outpoint 4.000",
        "",
      ].join("\n"),
    );
  });
});
