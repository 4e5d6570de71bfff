import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "./backoff.ts";

describe("backoff", () => {
  it("grows exponentially between half and all of the ceiling, capped", () => {
    for (let i = 0; i < 50; i++) {
      const d0 = backoffDelay(0, 100, 5000);
      expect(d0).toBeGreaterThanOrEqual(50);
      expect(d0).toBeLessThanOrEqual(100);
      const d3 = backoffDelay(3, 100, 5000);
      expect(d3).toBeGreaterThanOrEqual(400);
      expect(d3).toBeLessThanOrEqual(800);
      const dBig = backoffDelay(100, 100, 5000);
      expect(dBig).toBeGreaterThanOrEqual(2500);
      expect(dBig).toBeLessThanOrEqual(5000);
    }
  });

  it("sleep ends early when aborted", async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(5000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
