import { describe, expect, it } from "vitest";
import { FlvDemuxer } from "../flv/flv-demuxer.ts";
import { gops, stream } from "../flv/flv-test-stream.ts";
import { amf0, chunkMessage, decodeAmf0, rtmpOfFlv } from "./rtmp-messages.ts";

describe("RTMP messages", () => {
  it("round-trips AMF0 commands", () => {
    const b = amf0(["onStatus", 0, null, { level: "status", code: "NetStream.Play.Start" }]);
    expect(decodeAmf0(b)).toEqual([
      "onStatus",
      0,
      null,
      { level: "status", code: "NetStream.Play.Start" },
    ]);
  });

  it("chunks a message with type-3 continuation headers", () => {
    const parts = chunkMessage(6, 9, 1, 1234, Buffer.alloc(10_000, 1), 4096);
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBe(12 + 10_000 + 2);
    expect(bytes[0]).toBe(6);
    expect(bytes.readUIntBE(1, 3)).toBe(1234);
    expect(bytes.readUIntBE(4, 3)).toBe(10_000);
    expect(bytes[12 + 4096]).toBe(0xc6);
  });

  it("serialises a shared unit once and drops the FLV file header", () => {
    const units = new FlvDemuxer().push(stream(gops(1)));
    const key = units.find((u) => u.kind === "keyframe");
    if (!key) throw new Error("no keyframe unit");
    const a = rtmpOfFlv(key.data);
    expect(rtmpOfFlv(key.data)).toBe(a); // cached: the same Buffer for every viewer
    expect(a[0]).toBe(6); // video on chunk stream 6, type-0 header
    expect(rtmpOfFlv(stream([])).length).toBe(0);
  });
});
