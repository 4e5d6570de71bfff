import { FlvStreamParser } from "@vis/simulator";
import { describe, expect, it } from "vitest";
import { FlvDemuxer } from "../flv/flv-demuxer.ts";
import { gops, stream } from "../flv/flv-test-stream.ts";
import { StreamHub } from "./stream-hub.ts";
import type { ViewerSink } from "./viewer-sink.ts";

class FakeSink implements ViewerSink {
  chunks: Buffer[] = [];
  writableLength = 0;
  closed = false;
  write(data: Buffer): void {
    this.chunks.push(data);
  }
  close(): void {
    this.closed = true;
  }
  tags() {
    return new FlvStreamParser().push(Buffer.concat(this.chunks));
  }
}

const feed = (hub: StreamHub, tagsOf: Parameters<typeof stream>[0]) => {
  const d = new FlvDemuxer();
  const units = d.push(stream(tagsOf));
  if (d.header) hub.setHeader(d.header);
  hub.ingest(units);
};

describe("StreamHub", () => {
  it("starts a late viewer at the cached keyframe, after the sequence headers", () => {
    const hub = new StreamHub("cam");
    feed(hub, gops(2));
    const sink = new FakeSink();
    hub.attach(sink, () => undefined);
    const tags = sink.tags();
    expect(tags.map((t) => t.kind).slice(0, 4)).toEqual(["script", "video", "audio", "video"]);
    expect(tags[1]?.sequenceHeader).toBe(true);
    expect(tags[2]?.sequenceHeader).toBe(true);
    expect(tags[3]?.keyframe).toBe(true);
    expect(tags[3]?.timestamp).toBe(160); // the second GOP, not the first
  });

  it("shares the very same buffers between viewers", () => {
    const hub = new StreamHub("cam");
    const a = new FakeSink();
    const b = new FakeSink();
    hub.attach(a, () => undefined);
    hub.attach(b, () => undefined);
    feed(hub, gops(1));
    expect(a.chunks.length).toBeGreaterThan(0);
    const last = a.chunks.at(-1);
    expect(b.chunks.at(-1)).toBe(last);
  });

  it("pauses a slow viewer and resumes it at the next keyframe", () => {
    let now = 0;
    const hub = new StreamHub(
      "cam",
      { highWaterBytes: 100, lowWaterBytes: 10 },
      { now: () => now },
    );
    const slow = new FakeSink();
    hub.attach(slow, () => undefined);
    feed(hub, gops(1));
    const before = slow.chunks.length;
    slow.writableLength = 1000; // the socket stopped draining
    const d = new FlvDemuxer();
    d.push(stream(gops(0)));
    hub.ingest(d.push(stream([{ type: "inter", ts: 300 }]).subarray(13)));
    expect(slow.chunks.length).toBe(before);
    slow.writableLength = 0; // drained
    hub.ingest(d.push(stream([{ type: "inter", ts: 340 }]).subarray(13)));
    expect(slow.chunks.length).toBe(before); // still waits for a keyframe
    hub.ingest(d.push(stream([{ type: "keyframe", ts: 380 }]).subarray(13)));
    const tags = slow.tags();
    const resumed = tags.at(-1);
    expect(resumed?.keyframe).toBe(true);
    expect(hub.counters.stalls).toBe(1);
    now = 1;
  });

  it("drops a viewer stalled longer than the bound, and reports the hub empty", () => {
    let now = 0;
    let empty = 0;
    const hub = new StreamHub(
      "cam",
      { highWaterBytes: 100, stallDropMs: 1000 },
      { now: () => now, onEmpty: () => empty++ },
    );
    const slow = new FakeSink();
    const reasons: string[] = [];
    hub.attach(slow, (r) => reasons.push(r));
    feed(hub, gops(1));
    slow.writableLength = 1000;
    feed(hub, gops(1));
    now = 1001;
    hub.sweep();
    expect(reasons).toEqual(["slow_reader"]);
    expect(slow.closed).toBe(true);
    expect(hub.viewerCount).toBe(0);
    expect(empty).toBe(1);
  });

  it("makes a viewer that joined before any keyframe wait for one", () => {
    const hub = new StreamHub("cam");
    const early = new FakeSink();
    hub.attach(early, () => undefined);
    expect(early.chunks.length).toBe(0);
    feed(hub, gops(1));
    const tags = early.tags();
    expect(tags.find((t) => t.kind === "video" && !t.sequenceHeader)?.keyframe).toBe(true);
  });
});
