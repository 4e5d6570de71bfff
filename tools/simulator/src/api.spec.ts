import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiDeps, handleRequest } from "./api.ts";
import type { Camera } from "./camera.ts";
import { cameraInfo } from "./info.ts";
import { Recordings } from "./recordings.ts";

/** A camera that only flips its state: the routing is under test, not ffmpeg. */
function fakeCamera(id: string): Camera {
  const cam = {
    id,
    streamPath: `/live/${id}`,
    state: "running",
    pid: 4242,
    start: async () => {
      cam.state = "running";
    },
    stop: async () => {
      cam.state = "stopped";
    },
  };
  return cam as unknown as Camera;
}

describe("HTTP API routing (real socket, fake cameras)", () => {
  let server: Server;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vis-sim-api-"));
    const cameras = new Map([["cam-001", fakeCamera("cam-001")]]);
    const recordings = new Recordings(dir);
    const deps: ApiDeps = {
      cameras,
      log: () => {},
      status: async (c) => ({
        ...cameraInfo(c.id, "127.0.0.1", 1, 2),
        state: c.state,
        pid: null,
        recorded: null,
      }),
      playback: {
        recordings,
        maxWindowMs: 60_000,
        gopMs: 2000,
        active: new Set<ChildProcess>(),
        maxActive: 1,
        log: () => {},
      },
    };
    server = createServer((req, res) => {
      if (!handleRequest(deps, req, res)) res.end("passed to the media server");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string, method = "GET") => {
    const res = await fetch(`${base}${path}`, { method });
    const text = await res.text();
    const body = res.headers.get("content-type")?.startsWith("application/json")
      ? JSON.parse(text)
      : text;
    return { status: res.status, type: res.headers.get("content-type"), body };
  };

  it("passes live requests for running cameras on, typed as FLV", async () => {
    expect(await get("/live/cam-001.flv")).toEqual({
      status: 200,
      type: "video/x-flv",
      body: "passed to the media server",
    });
  });

  it("refuses unknown, foreign, published and stopped streams", async () => {
    expect(await get("/live/cam-999.flv")).toMatchObject({
      status: 404,
      body: { error: { field: "camera" } },
    });
    expect((await get("/other/cam-001.flv")).status).toBe(404);
    expect((await get("/live/cam-001.flv", "POST")).status).toBe(403);
    expect(await get("/cameras/cam-001/stop", "POST")).toMatchObject({
      status: 200,
      body: { state: "stopped" },
    });
    expect(await get("/live/cam-001.flv")).toMatchObject({
      status: 503,
      body: { error: { code: "unavailable" } },
    });
    expect(await get("/cameras/cam-001/start", "POST")).toMatchObject({
      status: 200,
      body: { state: "running" },
    });
  });

  it("lists cameras and rejects wrong methods and paths", async () => {
    expect(await get("/cameras")).toMatchObject({
      status: 200,
      body: { cameras: [{ id: "cam-001" }] },
    });
    expect((await get("/cameras/cam-001/stop")).status).toBe(501);
    expect((await get("/cameras/cam-002/stop", "POST")).status).toBe(404);
    expect(await get("/admin")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
  });

  it("validates playback requests before looking for recordings", async () => {
    expect(await get("/playback/cam-001?start=x&end=1")).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_argument", field: "start" } },
    });
    expect(await get("/playback/cam-001?start=0&end=60001")).toMatchObject({
      status: 400,
      body: { error: { field: "end" } },
    });
    expect((await get("/playback/cam-002?start=0&end=1")).status).toBe(404);
    expect(await get("/playback/cam-001?start=0&end=1000")).toMatchObject({
      status: 416,
      body: { error: { code: "out_of_range" } },
    });
  });
});
