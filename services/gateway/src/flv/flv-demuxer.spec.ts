import { parseFlvTags } from "@vis/simulator";
import { describe, expect, it } from "vitest";
import { FlvDemuxer } from "./flv-demuxer.ts";
import { gops, stream } from "./flv-test-stream.ts";

describe("FlvDemuxer", () => {
  it("cuts units at keyframes and keeps configs and metadata alone", () => {
    const units = new FlvDemuxer().push(stream(gops(2)));
    expect(units.map((u) => u.kind)).toEqual([
      "metadata",
      "video-config",
      "audio-config",
      "keyframe",
      "keyframe",
    ]);
    expect(units[3]?.tags).toBe(7);
    expect(units[3]?.videoFrames).toBe(4);
  });

  it("gives the same units whatever the chunking", () => {
    const whole = stream(gops(3));
    const oneShot = new FlvDemuxer().push(Buffer.from(whole));
    const d = new FlvDemuxer();
    const bytes: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 7) {
      for (const u of d.push(Buffer.from(whole.subarray(i, i + 7)))) bytes.push(u.data);
    }
    const tagsA = parseFlvTags(Buffer.concat(oneShot.map((u) => u.data))).tags;
    const tagsB = parseFlvTags(Buffer.concat(bytes)).tags;
    expect(tagsB.map((t) => [t.kind, t.timestamp])).toEqual(
      tagsA.map((t) => [t.kind, t.timestamp]),
    );
    expect(tagsA.length).toBe(3 + 3 * 7);
  });

  it("keeps timestamps increasing across an upstream restart", () => {
    const d = new FlvDemuxer();
    d.push(stream(gops(2)));
    const before = d.lastTimestamp;
    d.rebase();
    const after = d.push(stream(gops(1)));
    const ts = parseFlvTags(Buffer.concat(after.map((u) => u.data))).tags.filter(
      (t) => t.kind !== "script",
    );
    expect(ts[0]?.timestamp).toBe(before + 40);
    expect(d.header).toEqual({ hasAudio: true, hasVideo: true });
  });

  it("refuses a stream that is not FLV", () => {
    expect(() => new FlvDemuxer().push(Buffer.from("HTTP/1.1 404 Not Found\r\n"))).toThrow(
      /not an FLV/,
    );
  });
});
