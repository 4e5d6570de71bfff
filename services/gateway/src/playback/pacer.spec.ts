import { describe, expect, it } from "vitest";
import { stream, type TestTag, tag } from "../flv/flv-test-stream.ts";
import { flvTagMarks, PlayoutClock, paced } from "./pacer.ts";

/** A fake clock: `sleep` moves it on and records each wait; nothing waits for real. */
function fakeTime() {
  const t = { now: 1_000_000, waits: [] as number[] };
  return {
    t,
    now: () => t.now,
    sleep: async (ms: number) => {
      t.waits.push(ms);
      t.now += ms;
    },
  };
}

/** `seconds` of media: a keyframe per second, 25 fps video, audio between frames. */
function media(seconds: number, from = 0): TestTag[] {
  const out: TestTag[] = [];
  for (let ts = from; ts < from + seconds * 1000; ts += 40) {
    out.push({ type: (ts - from) % 1000 === 0 ? "keyframe" : "inter", ts });
    out.push({ type: "audio", ts: ts + 20 });
  }
  return out;
}

const head: TestTag[] = [
  { type: "metadata", ts: 0 },
  { type: "video-config", ts: 0 },
  { type: "audio-config", ts: 0 },
];

/** Runs the pacer over `chunks`; records, for each write, the fake elapsed time and its tags. */
async function play(chunks: Buffer[], leadMs: number, quantumMs = 100, maxStepMs?: number) {
  const f = fakeTime();
  const start = f.t.now;
  const writes: { at: number; ts: number[]; bytes: Buffer }[] = [];
  async function* source() {
    yield* chunks;
  }
  let first = true;
  for await (const b of paced(source(), {
    leadMs,
    quantumMs,
    maxStepMs,
    now: f.now,
    sleep: f.sleep,
  })) {
    const from = first ? 13 : 0;
    first = false;
    writes.push({ at: f.t.now - start, ts: flvTagMarks(b, from).map((m) => m.ts), bytes: b });
  }
  return { writes, waits: f.t.waits, elapsed: f.t.now - start };
}

describe("flvTagMarks", () => {
  it("finds every whole tag and its timestamp, ignoring a trailing partial tag", () => {
    const b = Buffer.concat([
      tag({ type: "keyframe", ts: 0 }),
      tag({ type: "audio", ts: 0x1234567 }),
      tag({ type: "inter", ts: 40 }).subarray(0, 20),
    ]);
    expect(flvTagMarks(b).map((m) => m.ts)).toEqual([0, 0x1234567]);
    expect(flvTagMarks(b)[1]?.start).toBe(tag({ type: "keyframe", ts: 0 }).length);
  });
});

describe("PlayoutClock", () => {
  it("lets media through up to the lead at once, then at wall time since the first call", () => {
    let now = 500;
    const c = new PlayoutClock(3000, () => now);
    expect(c.waitFor(0)).toBe(0);
    expect(c.waitFor(3000)).toBe(0);
    expect(c.waitFor(3040)).toBe(40);
    now += 1000;
    expect(c.waitFor(3040)).toBe(0);
    expect(c.waitFor(5000)).toBe(1000);
  });

  it("does not wait across a hole in the timestamps longer than maxStepMs", () => {
    let now = 0;
    const c = new PlayoutClock(0, () => now, 3000);
    expect(c.waitFor(0)).toBe(0);
    now += 1000;
    expect(c.waitFor(1000)).toBe(0);
    // a 10-minute recording gap: the next tag is due at once, and later ones at real time after it
    expect(c.waitFor(601_000)).toBe(0);
    expect(c.waitFor(601_040)).toBe(40);
  });
});

describe("paced", () => {
  it("sends the header, sequence headers and the lead at once, the rest when due", async () => {
    const all = [...head, ...media(10)];
    const { writes, elapsed } = await play([stream(all)], 3000);
    // everything, in order, byte for byte
    expect(Buffer.concat(writes.map((w) => w.bytes))).toEqual(stream(all));
    // the first write: header, configs and the first 3 s of media, before any wait
    expect(writes[0]?.at).toBe(0);
    expect(Math.max(...(writes[0]?.ts ?? []))).toBe(3000);
    // no tag is sent before it is due: ts ≤ elapsed + lead
    for (const w of writes) for (const ts of w.ts) expect(ts).toBeLessThanOrEqual(w.at + 3000);
    // and none is held back more than one quantum after it became due
    for (let i = 1; i < writes.length; i++) {
      const earliestDue = Math.min(...(writes[i]?.ts ?? [])) - 3000;
      expect(writes[i]?.at).toBeLessThanOrEqual(earliestDue + 100);
    }
    const last = Math.max(...all.map((t) => t.ts));
    expect(elapsed).toBeGreaterThanOrEqual(last - 3000);
    expect(elapsed).toBeLessThanOrEqual(last - 3000 + 100);
  });

  it("batches tags falling due within one quantum into one write", async () => {
    const { writes } = await play([stream([...head, ...media(5)])], 1000, 200);
    // after the lead, writes come every 200 ms of fake time: 4 s / 200 ms
    expect(writes.length).toBeGreaterThanOrEqual(20);
    expect(writes.length).toBeLessThanOrEqual(22);
  });

  it("paces across chunks (hub segments) the same as within one", async () => {
    const all = [...head, ...media(6)];
    const whole = await play([stream(all)], 2000);
    const one = stream(all);
    // split at tag boundaries: the first chunk ends after 2 s of media, the second after 4 s
    const marks = flvTagMarks(one, 13);
    const at = (ms: number) => marks.find((m) => m.ts >= ms)?.start ?? one.length;
    const chunks = [
      one.subarray(0, at(2000)),
      one.subarray(at(2000), at(4000)),
      one.subarray(at(4000)),
    ];
    const split = await play(chunks, 2000);
    expect(Buffer.concat(split.writes.map((w) => w.bytes))).toEqual(one);
    expect(split.elapsed).toBe(whole.elapsed);
    for (const w of split.writes)
      for (const ts of w.ts) expect(ts).toBeLessThanOrEqual(w.at + 2000);
  });

  it("a window shorter than the lead goes at once", async () => {
    const { waits, writes } = await play([stream([...head, ...media(2)])], 4000);
    expect(waits).toEqual([]);
    expect(writes).toHaveLength(1);
  });

  it("does not wait across a recording gap inside the window", async () => {
    const all = [...head, ...media(2), ...media(2, 600_000)];
    const { elapsed, writes } = await play([stream(all)], 1000);
    expect(Buffer.concat(writes.map((w) => w.bytes))).toEqual(stream(all));
    // 4 s of media, 1 s of lead: about 3 s, not ten minutes
    expect(elapsed).toBeLessThanOrEqual(3000 + 100);
    expect(elapsed).toBeGreaterThanOrEqual(3000 - 40);
  });

  it("a reader that fell behind (back-pressure) gets what is due without waiting", async () => {
    const f = fakeTime();
    async function* source() {
      yield stream([...head, ...media(1)]);
      f.t.now += 5000; // the socket drained slowly
      yield stream(media(4, 1000)).subarray(13);
    }
    const out: Buffer[] = [];
    for await (const b of paced(source(), { leadMs: 1000, now: f.now, sleep: f.sleep })) {
      out.push(b);
    }
    expect(f.t.waits).toEqual([]);
    expect(out).toHaveLength(2);
  });

  it("stops when aborted while waiting", async () => {
    const f = fakeTime();
    const abort = new AbortController();
    const source = async function* () {
      yield stream([...head, ...media(10)]);
    };
    const out: Buffer[] = [];
    for await (const b of paced(source(), {
      leadMs: 1000,
      now: f.now,
      sleep: async (ms) => {
        await f.sleep(ms);
        if (f.t.waits.length === 3) abort.abort();
      },
      signal: abort.signal,
    })) {
      out.push(b);
    }
    const sent = flvTagMarks(Buffer.concat(out), 13).map((m) => m.ts);
    expect(Math.max(...sent)).toBeLessThan(10_000);
    expect(f.t.waits).toHaveLength(3);
  });
});
