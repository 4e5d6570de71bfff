import { State } from "@vis/proto/vis/health/v1/status_pb";
import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, MONTH_MS, Timeline } from "./availability.ts";

describe("Timeline availability", () => {
  it("is up time over counted time per window; unknown and maintenance do not count", () => {
    const t0 = 100 * DAY_MS;
    const tl = new Timeline();
    tl.record(t0, State.UNKNOWN);
    tl.record(t0 + 10 * 60_000, State.ONLINE);
    tl.record(t0 + 40 * 60_000, State.OFFLINE);
    tl.record(t0 + 55 * 60_000, State.MAINTENANCE);
    tl.record(t0 + 60 * 60_000, State.DEGRADED);
    const now = t0 + 70 * 60_000;
    // Last hour (t0+10min .. t0+70min): online 30, offline 15, maintenance 5, degraded 10.
    expect(tl.availability(now, HOUR_MS)).toBeCloseTo(40 / 55, 6);
    expect(tl.availability(now, DAY_MS)).toBeCloseTo(40 / 55, 6);
    expect(new Timeline().availability(now, HOUR_MS)).toBe(-1);
  });

  it("keeps 30 days plus the state in force at the window start, and round-trips its encoding", () => {
    const tl = new Timeline();
    tl.record(0, State.ONLINE);
    tl.record(DAY_MS, State.OFFLINE);
    tl.record(40 * DAY_MS, State.ONLINE);
    const now = 40 * DAY_MS + HOUR_MS;
    expect(tl.length).toBe(2);
    // The whole 30-day window was offline until day 40.
    expect(tl.availability(now, MONTH_MS)).toBeCloseTo(HOUR_MS / MONTH_MS, 6);
    const copy = Timeline.decode(tl.encode());
    expect(copy.availability(now, MONTH_MS)).toBe(tl.availability(now, MONTH_MS));
  });

  it("ignores a repeated state", () => {
    const tl = new Timeline();
    tl.record(0, State.ONLINE);
    tl.record(5, State.ONLINE);
    expect(tl.length).toBe(1);
  });
});
