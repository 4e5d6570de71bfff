import { describe, expect, it } from "vitest";
import { ProbeWheel, phaseOf } from "./probe-wheel.ts";

function manualWheel(maxInFlight: number, jitter = 0) {
  let now = 0;
  const runs: { id: string; at: number }[] = [];
  const pending: (() => void)[] = [];
  const wheel = new ProbeWheel({
    slotMs: 10,
    maxInFlight,
    jitter,
    now: () => now,
    random: () => 0.5,
    run: (id) => {
      runs.push({ id, at: now });
      return new Promise<void>((r) => pending.push(r));
    },
  });
  const advance = async (ms: number, settle = true) => {
    for (let i = 0; i < ms / 10; i++) {
      now += 10;
      wheel.tick();
      if (settle) for (const r of pending.splice(0)) r();
      await new Promise((r) => setImmediate(r));
    }
  };
  const jump = (ms: number) => {
    now += ms;
  };
  return { wheel, runs, advance, pending, jump, at: () => now };
}

describe("ProbeWheel", () => {
  it("probes each of 10,000 targets once per cycle, spread evenly over the cycle's slots", async () => {
    const { wheel, runs, advance } = manualWheel(100_000);
    for (let i = 0; i < 10_000; i++) wheel.add(`cam-${i}`, 1000);
    await advance(1000);
    // A cycle later, every target has been probed exactly once in the last cycle.
    await advance(1000);
    const cycle = runs.filter((r) => r.at > 1000);
    expect(cycle).toHaveLength(10_000);
    expect(new Set(cycle.map((r) => r.id)).size).toBe(10_000);
    const perSlot = new Map<number, number>();
    for (const r of cycle) perSlot.set(r.at, (perSlot.get(r.at) ?? 0) + 1);
    const counts = [...perSlot.values()];
    // 100 slots, 100 probes each on average: no slot more than 1.5× the mean (no bursts).
    expect(perSlot.size).toBe(100);
    expect(Math.max(...counts)).toBeLessThan(150);
    await advance(1000);
    expect(runs.filter((r) => r.at > 2000)).toHaveLength(10_000);
  });

  it("never runs more than maxInFlight probes at once, and never the same target twice at once", async () => {
    const { wheel, runs, advance, pending } = manualWheel(5);
    for (let i = 0; i < 50; i++) wheel.add(`t-${i}`, 100);
    await advance(100, false);
    expect(wheel.running).toBe(5);
    expect(runs).toHaveLength(5);
    expect(wheel.backlog).toBeGreaterThanOrEqual(40);
    expect(wheel.backlog).toBeLessThanOrEqual(45);
    for (const r of pending.splice(0)) r();
    await new Promise((r) => setImmediate(r));
    expect(runs).toHaveLength(10);
    expect(wheel.running).toBe(5);
    expect(new Set(runs.map((r) => r.id)).size).toBe(10);
  });

  it("runs a one-off confirmation probe with soon(), and stops probing a removed target", async () => {
    const { wheel, runs, advance, at } = manualWheel(100);
    wheel.add("a", 1000);
    await advance(1000);
    expect(runs.filter((r) => r.id === "a")).toHaveLength(1);
    const first = runs[0]?.at ?? 0;
    wheel.soon("a", 200);
    const asked = at();
    await advance(250);
    const second = runs.filter((r) => r.id === "a")[1]?.at ?? 0;
    expect(second - asked).toBeGreaterThanOrEqual(200);
    expect(second - asked).toBeLessThanOrEqual(210);
    expect(second - first).toBeLessThan(1000);
    wheel.remove("a");
    await advance(2000);
    expect(runs.filter((r) => r.id === "a")).toHaveLength(2);
  });

  it("spreads the catch-up after an event-loop stall instead of firing it at once (pace budget)", async () => {
    const { wheel, runs, advance, jump } = manualWheel(100_000);
    for (let i = 0; i < 10_000; i++) wheel.add(`cam-${i}`, 1000);
    await advance(2000);
    const before = runs.length;
    // 500 ms pass without a tick: 5,000 probes came due.
    jump(500);
    wheel.tick();
    const burst = runs.length - before;
    // Steady rate is 100 per 10 ms slot; the budget allows 1.5× that plus a two-slot bucket.
    expect(burst).toBeLessThanOrEqual(300);
    expect(burst).toBeGreaterThan(0);
    expect(wheel.backlog).toBeGreaterThan(3000);
    // …and the backlog is worked off at 1.5× the steady rate, within about a second.
    await advance(1200);
    expect(wheel.backlog).toBe(0);
    expect(wheel.lateMsMax).toBeGreaterThan(400);
  });

  it("gives a stable phase within the cycle", () => {
    expect(phaseOf("cam-1", 10_000)).toBe(phaseOf("cam-1", 10_000));
    expect(phaseOf("cam-1", 10_000)).toBeGreaterThanOrEqual(0);
    expect(phaseOf("cam-1", 10_000)).toBeLessThan(10_000);
    expect(phaseOf("cam-1", 10_000)).not.toBe(phaseOf("cam-2", 10_000));
  });
});
