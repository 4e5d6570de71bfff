import { State } from "@vis/proto/vis/health/v1/status_pb";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "./policy.ts";
import { Tracker } from "./tracker.ts";

const ok = { ok: true, latencyMs: 20, reason: "" };
const fail = { ok: false, latencyMs: 5, reason: "HTTP 503" };

describe("Tracker", () => {
  it("goes online on the first good probe, offline only after two failures in a row", () => {
    const t = new Tracker(DEFAULT_POLICY);
    expect(t.probed(ok, 1000, false)).toMatchObject({ from: State.UNKNOWN, to: State.ONLINE });
    expect(t.probed(fail, 2000, false)).toBeUndefined();
    expect(t.suspect).toBe(true);
    expect(t.snap.state).toBe(State.ONLINE);
    expect(t.probed(fail, 2200, false)).toMatchObject({
      to: State.OFFLINE,
      reason: "HTTP 503",
      at: 2200,
    });
    expect(t.snap.since).toBe(2200);
    expect(t.snap.lastOkAt).toBe(1000);
  });

  it("a single failure between good probes changes nothing", () => {
    const t = new Tracker(DEFAULT_POLICY);
    t.probed(ok, 500, false);
    t.probed(fail, 1000, false);
    expect(t.probed(ok, 1200, false)).toBeUndefined();
    expect(t.snap.consecutiveFailures).toBe(0);
    expect(t.suspect).toBe(false);
  });

  it("needs two good probes in a row to recover from offline (hysteresis)", () => {
    const t = new Tracker(DEFAULT_POLICY);
    t.probed(fail, 0, false);
    t.probed(fail, 100, false);
    expect(t.snap.state).toBe(State.OFFLINE);
    expect(t.probed(ok, 200, false)).toBeUndefined();
    expect(t.suspect).toBe(true);
    expect(t.probed(fail, 300, false)).toBeUndefined();
    expect(t.probed(ok, 400, false)).toBeUndefined();
    expect(t.probed(ok, 500, false)).toMatchObject({ from: State.OFFLINE, to: State.ONLINE });
  });

  it("is degraded when slow, or when fresh gateway stats show low fps or bitrate; stale stats expire", () => {
    const t = new Tracker(DEFAULT_POLICY);
    expect(t.probed({ ok: true, latencyMs: 2000, reason: "" }, 50, false)).toMatchObject({
      to: State.DEGRADED,
      reason: "slow: 2000 ms > 1500 ms",
    });
    t.probed(ok, 100, false);
    expect(t.snap.state).toBe(State.ONLINE);
    const tr = t.gatewayStats({ fps: 2, bitrateKbps: 20, at: 200 }, 200, false);
    expect(tr?.to).toBe(State.DEGRADED);
    expect(tr?.reason).toBe("gateway fps 2.0 < 5; gateway bitrate 20 kbit/s < 64");
    expect(t.evaluate(200 + DEFAULT_POLICY.evidenceTtlMs + 1, false)?.to).toBe(State.ONLINE);
  });

  it("takes reported recording gaps and reported offline", () => {
    const t = new Tracker(DEFAULT_POLICY);
    t.probed(ok, 5, false);
    expect(t.report({ recordingGapSeconds: 300, at: 10 }, 10, false)?.reason).toBe(
      "recording gap 300 s in the last hour",
    );
    expect(
      t.report({ state: State.OFFLINE, reason: "NVR disk failed", at: 20 }, 20, false),
    ).toMatchObject({
      to: State.OFFLINE,
      reason: "reported: NVR disk failed",
    });
  });

  it("shows maintenance inside a window whatever the probes say, and resumes after", () => {
    const t = new Tracker(DEFAULT_POLICY);
    t.probed(ok, 50, false);
    expect(t.probed(fail, 100, true)?.to).toBe(State.MAINTENANCE);
    expect(t.probed(fail, 200, true)).toBeUndefined();
    expect(t.evaluate(300, false)?.to).toBe(State.OFFLINE);
  });
});
