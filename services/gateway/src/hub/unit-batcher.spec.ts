import { parseFlvTags } from "@vis/simulator";
import { describe, expect, it, vi } from "vitest";
import { FlvDemuxer, type FlvUnit } from "../flv/flv-demuxer.ts";
import { gops, stream } from "../flv/flv-test-stream.ts";
import { UnitBatcher } from "./unit-batcher.ts";

describe("UnitBatcher", () => {
  it("merges media within the window, starts a batch at each keyframe, passes configs at once", () => {
    vi.useFakeTimers();
    try {
      const out: FlvUnit[] = [];
      const b = new UnitBatcher(40, (u) => out.push(...u));
      const units = new FlvDemuxer().push(stream(gops(2)));
      b.push(units);
      vi.advanceTimersByTime(40);
      expect(out.map((u) => u.kind)).toEqual([
        "metadata",
        "video-config",
        "audio-config",
        "keyframe",
        "keyframe",
      ]);
      const all = Buffer.concat(out.map((u) => u.data));
      expect(parseFlvTags(Buffer.concat([stream([]), all])).tags).toHaveLength(3 + 2 * 7);
    } finally {
      vi.useRealTimers();
    }
  });

  it("merges separate media units into one write-sized unit", () => {
    vi.useFakeTimers();
    try {
      const out: FlvUnit[] = [];
      const b = new UnitBatcher(40, (u) => out.push(...u));
      const d = new FlvDemuxer();
      b.push(d.push(stream(gops(1))));
      const before = out.length;
      for (const ts of [200, 240, 280])
        b.push(d.push(stream([{ type: "inter", ts }]).subarray(13)));
      expect(out.length).toBe(before);
      vi.advanceTimersByTime(40);
      expect(out.length).toBe(before + 1); // the GOP so far, keyframe first, as one unit
      expect(out.at(-1)?.kind).toBe("keyframe");
      expect(out.at(-1)?.tags).toBe(7 + 3);
      expect(out.at(-1)?.videoFrames).toBe(4 + 3);
    } finally {
      vi.useRealTimers();
    }
  });
});
