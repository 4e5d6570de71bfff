import { describe, expect, it } from "vitest";
import { exportPieces, pieceLength } from "./archive-export.ts";

describe("archive export pieces", () => {
  it("cuts a window into pieces of at most the piece length, back to back", () => {
    expect(exportPieces(0, 10_000, 4_000)).toEqual([
      [0, 4_000],
      [4_000, 8_000],
      [8_000, 10_000],
    ]);
    expect(exportPieces(5, 6, 4_000)).toEqual([[5, 6]]);
  });
  it("reads --piece and refuses what is out of range, naming the flag", () => {
    expect(pieceLength("90s")).toBe(90_000);
    expect(pieceLength("30m")).toBe(1_800_000);
    expect(pieceLength("2h")).toBe(7_200_000);
    for (const bad of ["0s", "3h", "10", "m", "1.5m"]) {
      expect(() => pieceLength(bad)).toThrow(
        expect.objectContaining({ code: "invalid_argument", field: "--piece" }),
      );
    }
  });
});
