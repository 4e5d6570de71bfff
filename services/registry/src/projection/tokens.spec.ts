import { describe, expect, it } from "vitest";
import { tokens } from "./tokens.ts";

describe("search tokens", () => {
  it("splits words, lower-cases and pairs Chinese characters", () => {
    expect(tokens("North Gate CAM-12")).toEqual(["north", "gate", "cam", "12"]);
    expect(tokens("人民路口")).toEqual(["人民", "民路", "路口"]);
    expect(tokens("东 门")).toEqual(["东", "门"]);
  });
  it("a query's tokens are a subset of the text's when the text contains it", () => {
    const doc = new Set(tokens("武进区人民路口 北向 Renmin Rd"));
    for (const t of tokens("人民路")) expect(doc.has(t)).toBe(true);
    for (const t of tokens("renmin")) expect(doc.has(t)).toBe(true);
    expect(tokens("人民广场").every((t) => doc.has(t))).toBe(false);
  });
});
