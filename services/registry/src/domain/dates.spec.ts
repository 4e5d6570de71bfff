import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { addDays, dayNumber, daysBetween, todayCst } from "./dates.ts";

describe("calendar dates", () => {
  it("uses China Standard Time for today", () => {
    expect(todayCst(new Date("2025-01-01T15:59:59Z"))).toBe("2025-01-01");
    expect(todayCst(new Date("2025-01-01T16:00:00Z"))).toBe("2025-01-02");
  });
  it("adds days across months and leap years", () => {
    expect(addDays("2015-01-01", 60)).toBe("2015-03-02");
    expect(addDays("2024-02-15", 15)).toBe("2024-03-01");
    expect(daysBetween("2024-01-01", "2024-03-01")).toBe(60);
  });
  it("refuses impossible dates naming the field", () => {
    const err = (() => {
      try {
        dayNumber("2023-02-29", "system.accepted_date");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).field).toBe("system.accepted_date");
  });
});
