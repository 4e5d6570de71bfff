import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLIP, FlvStreamParser, type FlvTag, type Simulator, startSimulator } from "@vis/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Reads an HTTP-FLV stream until `enough` says so (bounded by `timeoutMs`). */
async function readFlv(url: string, enough: (tags: FlvTag[]) => boolean, timeoutMs = 10_000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("video/x-flv");
  const parser = new FlvStreamParser();
  const tags: FlvTag[] = [];
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error("no body");
  try {
    while (!enough(tags)) {
      const { done, value } = await reader.read();
      if (done) break;
      tags.push(...parser.push(value));
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { header: parser.header, tags };
}

const hasAvcConfig = (tags: FlvTag[]) =>
  tags.some((t) => t.kind === "video" && t.codecId === 7 && t.keyframe && t.sequenceHeader);
const liveEnough = (tags: FlvTag[]) =>
  hasAvcConfig(tags) && tags.filter((t) => t.kind === "audio").length >= 5;

/** Alive = present in /proc and not a zombie. */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[1] === String(pid) && fields[0] !== "Z") out.push(Number(entry));
  }
  return out;
}

/** True if the stream ends or breaks within 5 s; false if it still flows or just stalls. */
async function drained(
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
): Promise<boolean> {
  const deadline = Date.now() + 5000;
  const timeout = new Promise<"timeout">((r) => setTimeout(r, 5000, "timeout"));
  try {
    while (Date.now() < deadline) {
      const next = await Promise.race([reader?.read(), timeout]);
      if (next === "timeout") return false;
      if (next?.done !== false) return true;
    }
    return false;
  } catch {
    return true;
  }
}

async function errorOf(url: string, method = "GET") {
  const res = await fetch(url, { method });
  return {
    status: res.status,
    error: ((await res.json()) as { error: Record<string, string> }).error,
  };
}

describe("camera simulator", () => {
  let sim: Simulator;
  let startedAt: number;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "vis-sim-test-"));
    sim = await startSimulator({ cameras: 2, maxPlaybackWindowMs: 600_000 });
    startedAt = Date.now();
  });

  afterAll(async () => {
    await sim?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("announces two running cameras with their URLs", async () => {
    expect(sim.cameras.map((c) => c.id)).toEqual(["cam-001", "cam-002"]);
    expect(sim.rtmpUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    const cams = await sim.listCameras();
    expect(cams.map((c) => c.state)).toEqual(["running", "running"]);
    expect(cams[0]?.httpFlvUrl).toBe(`${sim.httpUrl}/live/cam-001.flv`);
    expect(cams[0]?.playbackUrlTemplate).toBe(
      `${sim.httpUrl}/playback/cam-001?start={start}&end={end}`,
    );
    for (const c of cams) expect(c.pid).toBeGreaterThan(0);
  });

  it("serves live HTTP-FLV with an AVC sequence header, key frames and audio", async () => {
    const { header, tags } = await readFlv(sim.cameras[0]?.httpFlvUrl ?? "", liveEnough);
    expect(header).toMatchObject({ version: 1, hasAudio: true, hasVideo: true });
    expect(hasAvcConfig(tags)).toBe(true);
    expect(tags.some((t) => t.kind === "audio" && t.codecId === 10)).toBe(true);
  });

  it("answers bad playback requests with clear JSON errors", async () => {
    const base = `${sim.httpUrl}/playback/cam-001`;
    const now = Date.now();
    expect(await errorOf(`${base}?end=${now}`)).toMatchObject({
      status: 400,
      error: { code: "invalid_argument", field: "start" },
    });
    expect(await errorOf(`${base}?start=soon&end=${now}`)).toMatchObject({
      status: 400,
      error: { code: "invalid_argument", field: "start" },
    });
    expect(await errorOf(`${base}?start=${now}&end=${now - 1000}`)).toMatchObject({
      status: 400,
      error: { code: "invalid_argument", field: "end" },
    });
    expect(await errorOf(`${base}?start=${now - 3_600_000}&end=${now}`)).toMatchObject({
      status: 400,
      error: { code: "invalid_argument", field: "end" },
    });
    expect(
      await errorOf(`${sim.httpUrl}/playback/cam-404?start=${now - 5000}&end=${now}`),
    ).toMatchObject({
      status: 404,
      error: { code: "not_found" },
    });
    expect(
      await errorOf(`${base}?start=2000-01-01T00:00:00Z&end=2000-01-01T00:01:00Z`),
    ).toMatchObject({
      status: 416,
      error: { code: "out_of_range" },
    });
    expect((await errorOf(`${sim.httpUrl}/live/cam-404.flv`)).status).toBe(404);
  });

  it("stops a camera (its live stream goes away) and starts it again", async () => {
    const before = (await sim.listCameras())[1]?.pid ?? 0;
    const viewer = await fetch(sim.cameras[1]?.httpFlvUrl ?? "", {
      signal: AbortSignal.timeout(10_000),
    });
    const reader = viewer.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    const stopped = await sim.stopCamera("cam-002");
    expect(await drained(reader)).toBe(true); // the viewer was cut off
    expect(stopped).toMatchObject({ id: "cam-002", state: "stopped", pid: null });
    expect(await alive(before)).toBe(false);
    expect(await errorOf(`${sim.httpUrl}/live/cam-002.flv`)).toMatchObject({
      status: 503,
      error: { code: "unavailable" },
    });
    await expect(sim.stopCamera("cam-404")).rejects.toMatchObject({ code: "not_found" });
    expect((await sim.startCamera("cam-002")).state).toBe("running");
    const { tags } = await readFlv(sim.cameras[1]?.httpFlvUrl ?? "", liveEnough);
    expect(hasAvcConfig(tags)).toBe(true);
  });

  it("plays back a recorded window of the right length with h264 and aac", async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 26_000 - Date.now())));
    const cam = (await sim.listCameras())[0];
    const recordedStart = Date.parse(cam?.recorded?.start ?? "");
    expect(Date.parse(cam?.recorded?.end ?? "") - recordedStart).toBeGreaterThan(20_000);
    const start = new Date(recordedStart + 6_000).toISOString();
    const end = recordedStart + 16_000;
    const res = await fetch(`${sim.httpUrl}/playback/cam-001?start=${start}&end=${end}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/x-flv");
    const file = join(work, "playback.flv");
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const { stdout } = await run(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "json", file],
      { timeout: 15_000 },
    );
    const probe = JSON.parse(stdout) as {
      streams: { codec_name: string }[];
      format: { duration: string };
    };
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    const duration = Number(probe.format.duration);
    expect(duration).toBeGreaterThan(10 - 1);
    expect(duration).toBeLessThan(10 + CLIP.gopSeconds + 1);
  });

  it("close() leaves no ffmpeg behind", async () => {
    const pids = (await sim.listCameras()).map((c) => c.pid ?? 0);
    const children = await childrenOf(sim.pid);
    expect(children.length).toBeGreaterThanOrEqual(2);
    await sim.close();
    for (const pid of [...pids, ...children, sim.pid]) expect(await alive(pid)).toBe(false);
    expect(await childrenOf(sim.pid)).toEqual([]);
  });
});
