import { describe, expect, it } from "vitest";
import { amf0, decodeAmf0 } from "./amf0.ts";

describe("amf0", () => {
  it("round-trips a command with numbers, strings, booleans, null and an object", () => {
    const values = ["connect", 1, { app: "live", fpad: false, audioCodecs: 3191 }, null, true];
    expect(decodeAmf0(amf0(values))).toEqual(values);
  });

  it("encodes undefined as null and reads ECMA arrays as objects", () => {
    expect(decodeAmf0(amf0([undefined]))).toEqual([null]);
    const ecma = Buffer.concat([Buffer.from([8, 0, 0, 0, 1]), amf0([{ a: 1 }]).subarray(1)]);
    expect(decodeAmf0(ecma)).toEqual([{ a: 1 }]);
  });
});
