import { describe, expect, it } from "vitest";
import { parseSegmentKey, type SegmentRef, segmentKey } from "./segment.ts";
import { checkWindow, planWindow } from "./window-plan.ts";

const seg = (s: number, e: number) => parseSegmentKey(segmentKey("cam-001", s, e)) as SegmentRef;

describe("window plan", () => {
  const segs = [seg(10_000, 12_000), seg(12_000, 14_000), seg(20_000, 22_000), seg(8_000, 10_000)];

  it("picks overlapping segments in order and reports the holes", () => {
    const p = planWindow(segs, { fromMs: 11_000, toMs: 21_000 });
    expect(p.segments.map((s) => s.startMs)).toEqual([10_000, 12_000, 20_000]);
    expect(p.gaps).toEqual([{ fromMs: 14_000, toMs: 20_000 }]);
  });

  it("an end-exclusive window does not take a segment starting at its end", () => {
    const p = planWindow(segs, { fromMs: 8_000, toMs: 12_000 });
    expect(p.segments.map((s) => s.startMs)).toEqual([8_000, 10_000]);
    expect(p.gaps).toEqual([]);
  });

  it("validates start, end and length with the field named", () => {
    expect(() => checkWindow(-1, 5)).toThrow(expect.objectContaining({ field: "start" }));
    expect(() => checkWindow(5, 5)).toThrow(expect.objectContaining({ field: "end" }));
    expect(() => checkWindow(0, 25 * 3600_000)).toThrow(
      expect.objectContaining({ code: "out_of_range" }),
    );
  });

  it("keys round-trip and reject bad input", () => {
    expect(
      parseSegmentKey(segmentKey("cam-9", 1_764_400_000_000, 1_764_400_002_000)),
    ).toMatchObject({
      camera: "cam-9",
      startMs: 1_764_400_000_000,
      endMs: 1_764_400_002_000,
    });
    expect(() => segmentKey("../x", 0, 1)).toThrow(expect.objectContaining({ field: "camera" }));
    expect(parseSegmentKey("seg/cam-1/abc.flv")).toBeUndefined();
  });
});
