import { describe, expect, it } from "vitest";
import { FlvStreamParser, parseFlvTags } from "./flv.ts";

const HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);

function tag(typeId: number, timestamp: number, body: number[]): Buffer {
  const size = body.length;
  const head = Buffer.from([
    typeId,
    (size >> 16) & 0xff,
    (size >> 8) & 0xff,
    size & 0xff,
    (timestamp >> 16) & 0xff,
    (timestamp >> 8) & 0xff,
    timestamp & 0xff,
    (timestamp >>> 24) & 0xff,
    0,
    0,
    0,
  ]);
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + size);
  return Buffer.concat([head, Buffer.from(body), prev]);
}

const STREAM = Buffer.concat([
  HEADER,
  tag(18, 0, [2, 0, 10]),
  tag(9, 0, [0x17, 0, 0, 0, 0, 1, 0x64]), // AVC key frame, sequence header
  tag(8, 0, [0xaf, 0, 0x12, 0x10]), // AAC sequence header
  tag(9, 40, [0x17, 1, 0, 0, 0, 0xaa]), // AVC key frame, NALU
  tag(9, 80, [0x27, 1, 0, 0, 0, 0xbb]), // AVC inter frame
  tag(8, 0x1234567, [0xaf, 1, 0x21]), // AAC raw, timestamp with extended byte
]);

describe("parseFlvTags", () => {
  it("reads the header and classifies tags", () => {
    const { header, tags, consumed } = parseFlvTags(STREAM);
    expect(header).toEqual({ version: 1, hasAudio: true, hasVideo: true });
    expect(consumed).toBe(STREAM.length);
    expect(tags.map((t) => [t.kind, t.timestamp, t.codecId, t.keyframe, t.sequenceHeader])).toEqual(
      [
        ["script", 0, undefined, false, false],
        ["video", 0, 7, true, true],
        ["audio", 0, 10, false, true],
        ["video", 40, 7, true, false],
        ["video", 80, 7, false, false],
        ["audio", 0x1234567, 10, false, false],
      ],
    );
    expect([...(tags[3]?.data ?? [])]).toEqual([0x17, 1, 0, 0, 0, 0xaa]);
  });

  it("stops before an incomplete tag", () => {
    const cut = STREAM.length - 3;
    const { tags, consumed } = parseFlvTags(STREAM.subarray(0, cut));
    expect(tags).toHaveLength(5);
    expect(consumed).toBeLessThan(cut);
    expect(parseFlvTags(STREAM.subarray(0, 10))).toEqual({
      header: undefined,
      tags: [],
      consumed: 0,
    });
  });
});

describe("FlvStreamParser", () => {
  it("gives the same tags whatever the chunking", () => {
    const parser = new FlvStreamParser();
    const seen = [];
    for (let i = 0; i < STREAM.length; i += 5) seen.push(...parser.push(STREAM.subarray(i, i + 5)));
    expect(parser.header?.hasVideo).toBe(true);
    expect(seen.map((t) => t.timestamp)).toEqual(parseFlvTags(STREAM).tags.map((t) => t.timestamp));
  });

  it("refuses a stream without an FLV header", () => {
    expect(() => new FlvStreamParser().push(Buffer.from("HTTP/1.1 200"))).toThrow(/FLV header/);
  });
});
