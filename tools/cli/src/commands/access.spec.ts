import { describe, expect, it } from "vitest";
import { cliTime } from "./access.ts";

describe("cliTime", () => {
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);
  it("reads now, relative, epoch ms and ISO 8601", () => {
    expect(cliTime("now", "--to", now)).toBe(now);
    expect(cliTime("-30s", "--from", now)).toBe(now - 30_000);
    expect(cliTime("-10m", "--from", now)).toBe(now - 600_000);
    expect(cliTime("-2h", "--from", now)).toBe(now - 7_200_000);
    expect(cliTime("-1d", "--from", now)).toBe(now - 86_400_000);
    expect(cliTime("1795950000000", "--from", now)).toBe(1795950000000);
    expect(cliTime("2026-11-29T11:00:00Z", "--from", now)).toBe(now - 3_600_000);
  });
  it("refuses anything else naming the flag", () => {
    for (const bad of ["yesterday", "-10x", "+5m", ""]) {
      expect(() => cliTime(bad, "--from", now)).toThrow(
        expect.objectContaining({ code: "invalid_argument", field: "--from" }),
      );
    }
  });
});
