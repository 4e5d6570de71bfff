import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { handleRequest, handleUpgrade } from "./api.ts";
import { Camera } from "./camera.ts";
import { CLIP, ensureClip, variantOf } from "./clip.ts";
import { type CameraStatus, cameraId, cameraInfo, type ReadyInfo } from "./info.ts";
import { MediaServer } from "./media-server.ts";
import type { ResolvedOptions } from "./options.ts";
import { Recordings } from "./recordings.ts";
import { recordedRange } from "./segments.ts";

const PRUNE_EVERY_MS = 30_000;
const START_CONCURRENCY = 8;
const MAX_PLAYBACKS = 16;

export interface RunningSimulator {
  readonly info: ReadyInfo;
  close(): Promise<void>;
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** The composition root of the simulator process: clips, media server, cameras, recorder, API. */
export async function runSimulator(
  o: ResolvedOptions,
  log: (line: string) => void,
): Promise<RunningSimulator> {
  const ownsDataDir = o.dataDir === undefined;
  const dataDir =
    o.dataDir === undefined ? await mkdtemp(join(tmpdir(), "vis-sim-")) : resolve(o.dataDir);
  const cacheDir = resolve(o.cacheDir);
  const cleanups: (() => Promise<void>)[] = [];
  if (ownsDataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const closeAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((e) => log(`cleanup: ${e}`));
  };
  try {
    const ids = Array.from({ length: o.cameras }, (_, i) => cameraId(i));
    const clips: string[] = [];
    for (let v = 0; v < Math.min(o.cameras, CLIP.variants); v++) {
      clips.push(await ensureClip(cacheDir, v, o.videoBitrate));
    }
    const recordings = new Recordings(join(dataDir, "recordings"));
    const cameras = new Map<string, Camera>();
    const active = new Set<ChildProcess>();
    const playback = { recordings, active, log, maxActive: MAX_PLAYBACKS };
    const deps = {
      cameras,
      log,
      playback: { ...playback, maxWindowMs: o.maxPlaybackWindowMs, gopMs: CLIP.gopSeconds * 1000 },
      status: async (c: Camera): Promise<CameraStatus> => {
        const range = recordedRange(await recordings.segments(c.id));
        const recorded =
          range === undefined
            ? null
            : {
                start: new Date(range.startMs).toISOString(),
                end: new Date(range.endMs).toISOString(),
              };
        return {
          ...cameraInfo(c.id, o.host, media.rtmpPort, media.httpPort),
          state: c.state,
          pid: c.pid ?? null,
          recorded,
        };
      },
    };
    const media = await MediaServer.start(
      { host: o.host, rtmpPort: o.rtmpPort, httpPort: o.httpPort, storeDir: join(dataDir, "nms") },
      {
        onRequest: (req, res) => handleRequest(deps, req, res),
        onUpgrade: (req, socket) => handleUpgrade(deps, req, socket),
        mayPlay: (path) =>
          [...cameras.values()].some((c) => c.streamPath === path && c.state === "running"),
        log,
      },
    );
    cleanups.push(() => media.stop());
    const rtmpBase = `rtmp://${o.host}:${media.rtmpPort}/live`;
    ids.forEach((id, i) => {
      const clipPath = clips[variantOf(i)] ?? "";
      cameras.set(
        id,
        new Camera(id, { clipPath, rtmpBase, recordDir: recordings.dirOf(id), media, log }),
      );
    });
    cleanups.push(async () => {
      for (const child of active) child.kill("SIGKILL");
      await Promise.all([...cameras.values()].map((c) => c.stop()));
    });
    const prune = () =>
      recordings.prune(ids, Date.now(), o.recorderRetentionMs).catch((e) => log(`prune: ${e}`));
    await prune();
    const timer = setInterval(prune, PRUNE_EVERY_MS);
    cleanups.push(async () => clearInterval(timer));
    await forEachLimit([...cameras.values()], START_CONCURRENCY, (c) => c.start());
    const info: ReadyInfo = {
      ready: true,
      pid: process.pid,
      host: o.host,
      rtmpPort: media.rtmpPort,
      httpPort: media.httpPort,
      rtmpUrl: rtmpBase,
      httpUrl: `http://${o.host}:${media.httpPort}`,
      dataDir,
      cacheDir,
      cameras: ids.map((id) => cameraInfo(id, o.host, media.rtmpPort, media.httpPort)),
    };
    return { info, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
