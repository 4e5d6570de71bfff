import { describe, expect, it } from "vitest";
import {
  assertRemovable,
  checkRetentionDays,
  DAY_MS,
  type LegalHold,
  planRetention,
} from "./retention.ts";
import { parseSegmentKey, type SegmentRef, segmentKey } from "./segment.ts";

const T0 = Date.UTC(2026, 0, 1);
const seg = (startMs: number, ms = 2000, camera = "cam-001"): SegmentRef =>
  parseSegmentKey(segmentKey(camera, startMs, startMs + ms)) as SegmentRef;
const hold = (fromMs: number, toMs: number): LegalHold => ({
  id: "h1",
  camera: "cam-001",
  fromMs,
  toMs,
  caseId: "case-2026-17",
  grantId: "",
  placedAt: T0,
});

describe("retention", () => {
  it("refuses retention under 30 days, naming the field and Art. 21(7)", () => {
    expect(() => checkRetentionDays(29)).toThrow(
      expect.objectContaining({ code: "invalid_argument", article: "Art. 21(7)" }),
    );
    expect(() => checkRetentionDays(30.5)).toThrow(
      expect.objectContaining({ field: "retention_days" }),
    );
    expect(checkRetentionDays(30)).toBe(30);
  });

  it("refuses removal inside retention with failed_precondition citing Art. 22(3)", () => {
    const s = seg(T0);
    const justBefore = s.endMs + 30 * DAY_MS - 1;
    expect(() => assertRemovable(s, 30, [], justBefore)).toThrow(
      expect.objectContaining({ code: "failed_precondition", article: "Art. 22(3)", field: "key" }),
    );
    expect(() => assertRemovable(s, 30, [], s.endMs + 30 * DAY_MS)).not.toThrow();
  });

  it("plans by the injected clock: keeps the window's young segments, removes old ones, spares held", () => {
    const segs = [0, 1, 2, 3, 4].map((d) => seg(T0 + d * DAY_MS));
    const now = T0 + 31 * DAY_MS + 10_000; // days 0, 1 past 30 days; 2, 3, 4 not yet
    const plan = planRetention(segs, 30, [hold(T0 + DAY_MS, T0 + DAY_MS + 1000)], now);
    expect(plan.remove.map((s) => s.startMs)).toEqual([T0]);
    expect(plan.held.map((h) => [h.segment.startMs, h.holds])).toEqual([[T0 + DAY_MS, ["h1"]]]);
    expect(plan.kept).toBe(3);
    // a longer system retention keeps everything
    expect(planRetention(segs, 90, [], now).remove).toEqual([]);
    // the same segments a day later: day 2 joins the removals
    expect(planRetention(segs, 30, [], now + DAY_MS).remove).toHaveLength(3);
  });

  it("a hold for another camera does not keep a segment", () => {
    const s = seg(T0);
    const other = { ...hold(T0, T0 + 5000), camera: "cam-002" };
    expect(planRetention([s], 30, [other], T0 + 31 * DAY_MS).remove).toEqual([s]);
    expect(() => assertRemovable(s, 30, [hold(T0, T0 + 1)], T0 + 31 * DAY_MS)).toThrow(
      /legal hold h1/,
    );
  });
});
