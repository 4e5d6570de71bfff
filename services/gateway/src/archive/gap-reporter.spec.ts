import { describe, expect, it } from "vitest";
import { gapSecondsInLastHour } from "./gap-reporter.ts";

describe("recording gap seconds in the last hour", () => {
  const now = 10 * 3600_000;
  it("sums the parts of gaps inside the hour before now", () => {
    const gaps = [
      { fromMs: now - 2 * 3600_000, toMs: now - 3600_000 + 30_000 }, // 30 s inside the hour
      { fromMs: now - 60_000, toMs: now - 15_500 }, // 44.5 s
    ];
    expect(gapSecondsInLastHour(gaps, now)).toBe(75);
  });
  it("is capped at 3600 and zero without gaps", () => {
    expect(gapSecondsInLastHour([{ fromMs: 0, toMs: now }], now)).toBe(3600);
    expect(gapSecondsInLastHour([], now)).toBe(0);
  });
});
