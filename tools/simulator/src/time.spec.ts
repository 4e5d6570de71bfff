import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { parseTimeParam, parseWindow } from "./time.ts";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof VisError && err.code === "invalid_argument") return err.field;
    throw err;
  }
  throw new Error("expected invalid_argument");
}

describe("parseTimeParam", () => {
  it("reads epoch milliseconds and ISO 8601 with a zone", () => {
    expect(parseTimeParam("1732867200000", "start")).toBe(1_732_867_200_000);
    expect(parseTimeParam("2024-11-29T08:00:00Z", "start")).toBe(1_732_867_200_000);
    expect(parseTimeParam("2024-11-29T08:00:00.250Z", "start")).toBe(1_732_867_200_250);
    expect(parseTimeParam("2024-11-29T16:00:00+08:00", "start")).toBe(1_732_867_200_000);
    expect(parseTimeParam("2024-11-29T08:00Z", "start")).toBe(1_732_867_200_000);
  });

  it.each([
    [undefined],
    [null],
    [""],
    ["yesterday"],
    ["2024-11-29"],
    ["2024-11-29T08:00:00"],
    ["2024-13-01T00:00:00Z"],
    ["-5"],
    ["1.5"],
  ])("refuses %j naming the field", (value) => {
    expect(fieldOf(() => parseTimeParam(value, "end"))).toBe("end");
  });
});

describe("parseWindow", () => {
  it("accepts an ordered window within the limit", () => {
    expect(parseWindow("1000", "61000", 60_000)).toEqual({ startMs: 1000, endMs: 61_000 });
  });

  it("names start, then end, for missing, reversed or too long windows", () => {
    expect(fieldOf(() => parseWindow(null, "5", 60_000))).toBe("start");
    expect(fieldOf(() => parseWindow("5", null, 60_000))).toBe("end");
    expect(fieldOf(() => parseWindow("5000", "5000", 60_000))).toBe("end");
    expect(fieldOf(() => parseWindow("5000", "1000", 60_000))).toBe("end");
    expect(fieldOf(() => parseWindow("0", "60001", 60_000))).toBe("end");
  });
});
