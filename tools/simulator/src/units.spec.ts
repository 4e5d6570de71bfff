import { describe, expect, it } from "vitest";
import { formatBitrate, formatDuration, parseBitrate, parseDuration } from "./units.ts";

describe("units", () => {
  it("parses bitrates like ffmpeg", () => {
    expect(parseBitrate("1000k")).toBe(1_000_000);
    expect(parseBitrate("1.5M")).toBe(1_500_000);
    expect(parseBitrate("800000")).toBe(800_000);
    expect(parseBitrate("1000 kbps")).toBeUndefined();
    expect(parseBitrate("-1k")).toBeUndefined();
  });

  it("parses durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1.5m")).toBe(90_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("10")).toBeUndefined();
  });

  it("formats back exactly", () => {
    for (const ms of [500, 90_000, 1_800_000, 7_200_000, 1500]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    for (const bps of [100_000, 1_000_000, 1_500_000, 123_456]) {
      expect(parseBitrate(formatBitrate(bps))).toBe(bps);
    }
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatBitrate(20_000_000)).toBe("20M");
  });
});
