import { describe, expect, it } from "vitest";
import { expired, recordedRange, segmentPattern, timeline } from "./segments.ts";

const RUN = 1_732_867_199_700; // recorder started 300 ms before the first segment's second

describe("timeline", () => {
  it("refines starts from the run start and the previous segment's last write", () => {
    const segs = timeline([
      { name: `1732867210-${RUN}.ts`, mtimeMs: 1_732_867_220_480 },
      { name: `1732867200-${RUN}.ts`, mtimeMs: 1_732_867_210_460 },
      { name: `1732867220-${RUN}.ts`, mtimeMs: 1_732_867_223_000 },
      { name: "notes.txt", mtimeMs: 0 },
      { name: "1732867230.ts", mtimeMs: 0 },
    ]);
    expect(segs.map((s) => [s.startMs, s.endMs])).toEqual([
      [1_732_867_200_000, 1_732_867_210_460], // run start is earlier than the name: clamp up
      [1_732_867_210_460, 1_732_867_220_480], // previous last write, inside the named second
      [1_732_867_220_480, 1_732_867_223_000],
    ]);
  });

  it("does not borrow times across runs and keeps them in order", () => {
    const run2 = 1_732_867_300_250;
    const segs = timeline([
      { name: `1732867300-${run2}.ts`, mtimeMs: 1_732_867_305_000 },
      { name: `1732867200-${RUN}.ts`, mtimeMs: 1_732_867_208_000 },
    ]);
    expect(segs.map((s) => s.startMs)).toEqual([1_732_867_200_000, 1_732_867_300_250]);
    expect(recordedRange(segs)).toEqual({ startMs: 1_732_867_200_000, endMs: 1_732_867_305_000 });
  });

  it("clamps a stale hint into the named second", () => {
    const [seg] = timeline([{ name: `1732867200-${RUN - 60_000}.ts`, mtimeMs: 1_732_867_201_000 }]);
    expect(seg?.startMs).toBe(1_732_867_200_000);
  });

  it("names files the way it parses them", () => {
    expect(segmentPattern(RUN)).toBe(`%s-${RUN}.ts`);
  });
});

describe("retention", () => {
  it("expires segments whose last write is older than the retention", () => {
    const segs = timeline([
      { name: `1732867200-${RUN}.ts`, mtimeMs: 1_732_867_210_000 },
      { name: `1732867210-${RUN}.ts`, mtimeMs: 1_732_867_220_000 },
    ]);
    expect(expired(segs, 1_732_867_215_000 + 60_000, 60_000).map((s) => s.name)).toEqual([
      `1732867200-${RUN}.ts`,
    ]);
    expect(recordedRange([])).toBeUndefined();
  });
});
