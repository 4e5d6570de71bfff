import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { Action, Mode } from "@vis/proto/vis/access/v1/request_pb";
import { CLIP, type Simulator, startSimulator } from "@vis/simulator";
import { type ServiceProcess, startServiceProcess } from "@vis/test-harness";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthzHub, lawfulRequest, seedRegistry, startAuthzHub } from "./authorizer-fixture.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// The police platform plays streams in the browser with mpegts.js (HTTP-FLV over Media Source
// Extensions). Here a real headless Chromium, on a page of its own origin, plays a granted live
// stream and a granted recorded window from the gateway (which records cam-a in its archive): the
// video advances and frames are decoded, the recorded answer's first-frame time is readable
// cross-origin, and a play without a token ends in the player's HTTP error with no frame.

const INSTALL = "apt-get install -y --no-install-recommends chromium";

/** `VIS_CHROMIUM`, else `chromium` on PATH (Debian's package puts it at /usr/bin/chromium). */
function findChromium(): string | undefined {
  const named = process.env.VIS_CHROMIUM;
  if (named) return existsSync(named) ? named : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, "chromium");
    if (dir && existsSync(path)) return path;
  }
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

/** What the page's player reports (see browser-player.js). */
interface PlayState {
  url: string;
  firstFrameMs: number | null;
  errors: { type: string; detail: string; code: number | null; msg: string }[];
  mediaInfo: {
    mimeType: string | null;
    videoCodec: string | null;
    audioCodec: string | null;
    width: number | null;
    height: number | null;
  } | null;
  playRejected: string | null;
  ended: boolean;
  currentTime: number;
  totalVideoFrames: number;
  droppedVideoFrames: number;
  videoWidth: number;
  videoHeight: number;
  paused: boolean;
  readyState: number;
  buffered: [number, number][];
  mediaError: { code: number; message: string } | null;
}

interface Support {
  mpegts: boolean;
  mseLivePlayback: boolean;
  networkStreamIO: boolean;
  networkLoaderName: string;
  h264aac: boolean;
}

/** The platform's page: its own origin (another port than the gateway's), mpegts.js and the player. */
function startPageServer(): Promise<{ server: Server; origin: string }> {
  const require = createRequire(import.meta.url);
  const files: Record<string, { type: string; body: Buffer | string }> = {
    "/": {
      type: "text/html; charset=utf-8",
      body:
        '<!doctype html><html><head><meta charset="utf-8"><title>platform player</title></head>' +
        '<body><script src="/mpegts.js"></script><script src="/hls.js"></script>' +
        '<script src="/player.js"></script></body></html>',
    },
    "/mpegts.js": {
      type: "text/javascript",
      body: readFileSync(require.resolve("mpegts.js")),
    },
    "/hls.js": {
      type: "text/javascript",
      body: readFileSync(require.resolve("hls.js/dist/hls.min.js")),
    },
    "/favicon.ico": { type: "image/x-icon", body: "" },
    "/player.js": {
      type: "text/javascript",
      body: readFileSync(fileURLToPath(new URL("./browser-player.js", import.meta.url))),
    },
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://page.invalid").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" });
    res.end(file.body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

describe("a browser player (mpegts.js in headless Chromium) plays the gateway's HTTP-FLV", () => {
  let hub: AuthzHub;
  let sim: Simulator;
  let gateway: ServiceProcess;
  let browser: Browser;
  let page: Page;
  let pageServer: Server;
  let pageOrigin = "";
  let playUrl = "";
  let recordingFrom = 0;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    const chromium = findChromium();
    if (chromium === undefined) {
      throw new Error(
        `Chromium not found (${process.env.VIS_CHROMIUM ? `VIS_CHROMIUM=${process.env.VIS_CHROMIUM}` : "no 'chromium' on PATH"}): ` +
          `the browser playback test needs real headless Chromium — install it with \`${INSTALL}\` ` +
          "(./scripts/test does so itself) or point VIS_CHROMIUM at a Chromium binary",
      );
    }
    // all started before any failure is reported, so afterAll stops whatever did start
    const started = await Promise.allSettled([
      startAuthzHub().then((h) => {
        hub = h;
      }),
      startSimulator({ cameras: 1 }).then((x) => {
        sim = x;
      }),
      puppeteer
        .launch({
          executablePath: chromium,
          headless: true,
          args: [
            "--no-sandbox",
            "--headless=new",
            "--autoplay-policy=no-user-gesture-required",
            "--mute-audio",
          ],
        })
        .then((b) => {
          browser = b;
        }),
      startPageServer().then((p) => {
        pageServer = p.server;
        pageOrigin = p.origin;
      }),
    ]);
    for (const r of started) if (r.status === "rejected") throw r.reason;
    const cam = sim.cameras[0];
    if (cam === undefined) throw new Error("simulator started no camera");
    await seedRegistry(hub, { liveSources: { "cam-a": cam.rtmpUrl } });
    recordingFrom = Date.now();
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(hub.nats, hub.redis, join(hub.dir, "gateway.spans.jsonl")),
        VIS_TRACES_EXPORTER: "none",
        VIS_PULL_REGISTRY_ADDRESS: String(hub.registry.ready.grpc),
        VIS_AUTH_AUTHORIZER_ADDRESS: String(hub.authorizer.ready.grpc),
        VIS_PLAY_RTMP: "false",
        VIS_EGRESS_REFUSAL_DELAY_MS: "20",
        VIS_ARCHIVE_DIR: join(hub.dir, "archive"),
        VIS_ARCHIVE_CAMERAS: "cam-a",
        VIS_ARCHIVE_MIN_FREE_MB: "1",
      },
    });
    await gateway.waitForLog((l) => l.event === "archive_listening", 20_000);
    const listening = await gateway.waitForLog((l) => l.event === "play_listening", 20_000);
    playUrl = String(listening.url);
    expect(new URL(playUrl).origin).not.toBe(pageOrigin); // cross-origin: CORS is exercised

    page = await browser.newPage();
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (err) => consoleLines.push(`pageerror: ${String(err)}`));
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction("window.vis !== undefined", { timeout: 10_000 });
    const support = await inPage<Support>("window.vis.support");
    console.log(
      `${await browser.version()}: mpegts.js ${JSON.stringify(support)} ` +
        `(MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"') = ${support.h264aac})`,
    );
    expect(support.mpegts, "mpegts.js supported (MSE)").toBe(true);
    expect(support.h264aac, "this Chromium decodes H.264/AAC through MSE").toBe(true);
  });

  afterAll(async () => {
    if (consoleLines.length > 0) console.log(`page console:\n${consoleLines.join("\n")}`);
    await browser?.close();
    await new Promise((r) => (pageServer ? pageServer.close(r) : r(undefined)));
    await gateway?.stop();
    await sim?.close();
    await hub?.stop();
  });

  const inPage = async <T>(expression: string): Promise<T> =>
    (await page.evaluate(expression)) as T;
  const state = (id: string) => inPage<PlayState>(`window.vis.state(${JSON.stringify(id)})`);
  const play = (id: string, url: string, isLive: boolean) =>
    inPage<void>(`window.vis.play(${JSON.stringify(id)}, ${JSON.stringify(url)}, ${isLive})`);
  /** A GET from the page (cross-origin), aborted after the headers. */
  const head = (url: string) =>
    inPage<{ status: number; firstFrame: string | null; contentType: string | null }>(
      `window.vis.head(${JSON.stringify(url)})`,
    );
  /** Polls the play until `done` holds or it reports an error; returns its last state. */
  const watch = async (id: string, done: (s: PlayState) => boolean, ms: number) => {
    const until = Date.now() + ms;
    let s = await state(id);
    while (Date.now() < until && !done(s) && s.errors.length === 0 && s.mediaError === null) {
      await new Promise((r) => setTimeout(r, 200));
      s = await state(id);
    }
    return s;
  };

  /** A granted `view` of cam-a through the real authorizer: live, or recorded over a window. */
  const viewGrant = async (window?: { from: number; to: number }) => {
    const { decision } = await hub.access.requestAccess(
      lawfulRequest({
        mode: window ? Mode.RECORDED : Mode.LIVE,
        action: Action.VIEW,
        cameraIds: ["cam-a"],
        window: window
          ? {
              from: timestampFromMs(window.from - (window.from % 1000)),
              to: timestampFromMs(window.to + 1000 - (window.to % 1000)),
            }
          : undefined,
        durationSeconds: 600,
      }),
    );
    expect(decision?.outcome, JSON.stringify(decision?.reasons)).toBe(Outcome.GRANTED);
    return decision?.grant?.token ?? "";
  };

  const expectPlayed = (s: PlayState, minSeconds: number, minFrames: number) => {
    const shown = JSON.stringify({ ...s, url: undefined });
    expect(s.errors, shown).toEqual([]);
    expect(s.mediaError, shown).toBeNull();
    expect(s.playRejected, shown).toBeNull();
    expect(s.currentTime, shown).toBeGreaterThan(minSeconds);
    expect(s.totalVideoFrames, shown).toBeGreaterThan(minFrames);
    expect(s.firstFrameMs, shown).not.toBeNull();
    // the simulator's 640×360 H.264 main profile with AAC
    expect([s.videoWidth, s.videoHeight], shown).toEqual([640, 360]);
    expect(s.mediaInfo?.videoCodec, shown).toMatch(/^avc1\./);
    expect(s.mediaInfo?.audioCodec, shown).toMatch(/^mp4a\.40/);
  };
  const report = (what: string, s: PlayState) =>
    console.log(
      `${what}: first frame ${s.firstFrameMs} ms after play(), currentTime ${s.currentTime.toFixed(2)} s, ` +
        `${s.totalVideoFrames} frames decoded (${s.droppedVideoFrames} dropped), ` +
        `${s.videoWidth}x${s.videoHeight}, ${s.mediaInfo?.mimeType}`,
    );

  it("plays a granted live stream: the video advances and frames are decoded", async () => {
    const token = await viewGrant();
    const url = `${playUrl}/live/cam-a.flv?token=${token}`;
    // the grant's keys reach the gateway within a refresh
    await eventually(
      "the gateway to accept the live grant",
      async () => {
        return (await head(url)).status === 200;
      },
      30_000,
    );
    await play("live", url, true);
    const s = await watch("live", (x) => x.currentTime > 3 && x.totalVideoFrames > 60, 20_000);
    report("live", s);
    expectPlayed(s, 3, 60);
    await inPage("window.vis.stop('live')");
  });

  it("plays a granted recorded window, its first-frame time readable cross-origin", async () => {
    // some seconds recorded (2 s segments)
    const wait = recordingFrom + 10_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = recordingFrom;
    const to = Date.now() - 1000;
    const token = await viewGrant({ from, to });
    const url = `${playUrl}/recorded/cam-a.flv?start=${from}&end=${to}&token=${token}`;
    let answer = await head(url);
    await eventually(
      "the gateway to accept the recorded grant",
      async () => {
        answer = await head(url);
        return answer.status === 200;
      },
      30_000,
    );
    expect(answer.contentType).toBe("video/x-flv");
    // exposed by CORS: the wall-clock time of the answer's first frame, inside the window
    expect(answer.firstFrame, "x-vis-first-frame readable by the page").not.toBeNull();
    const firstFrame = Number(answer.firstFrame);
    expect(firstFrame).toBeGreaterThanOrEqual(from);
    expect(firstFrame).toBeLessThanOrEqual(to);
    console.log(
      `recorded window ${to - from} ms; x-vis-first-frame ${firstFrame - from} ms after its start`,
    );

    await play("recorded", url, false);
    const s = await watch("recorded", (x) => x.currentTime > 2 && x.totalVideoFrames > 40, 20_000);
    report("recorded", s);
    expectPlayed(s, 2, 40);
    // and on to the window's end: the answer ends, the player reaches the end of the media
    const end = await watch("recorded", (x) => x.ended, 20_000);
    report("recorded, at its end", end);
    expect(end.errors, JSON.stringify(end)).toEqual([]);
    expect(end.ended, JSON.stringify(end)).toBe(true);
    const recordedSeconds = (to - firstFrame) / 1000;
    console.log(
      `recorded: played ${end.currentTime.toFixed(2)} s of the ${recordedSeconds.toFixed(2)} s ` +
        "from the first frame to the window's end",
    );
    // everything up to the window's end, less at most the segment still being written (2 s)
    expect(end.currentTime).toBeLessThanOrEqual(recordedSeconds + 0.1);
    expect(end.currentTime).toBeGreaterThan(recordedSeconds - 2.5);
    // every frame of what was played reached the decoder (at the clip's frame rate)
    expect(end.totalVideoFrames).toBeGreaterThanOrEqual(Math.floor(end.currentTime * CLIP.fps) - 5);
    await inPage("window.vis.stop('recorded')");
  });

  it("plays a granted recorded window over HLS (hls.js) to its end: one timeline across pieces", async () => {
    const wait = recordingFrom + 12_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = recordingFrom;
    const to = Date.now() - 2500; // whole segments only
    const token = await viewGrant({ from, to });
    const url = `${playUrl}/recorded/cam-a/index.m3u8?start=${from}&end=${to}&token=${token}`;
    await eventually(
      "the gateway to accept the recorded grant",
      async () => (await head(url)).status === 200,
      30_000,
    );
    await inPage(`window.vis.playHls("hls", ${JSON.stringify(url)})`);
    const s = await watch("hls", (x) => x.ended, 30_000);
    report("recorded HLS, at its end", s);
    const shown = JSON.stringify({ ...s, url: undefined });
    expect(s.errors, shown).toEqual([]);
    expect(s.mediaError, shown).toBeNull();
    expect(s.ended, shown).toBe(true);
    // played through every piece: about the window, less what precedes the first keyframe
    const seconds = (to - from) / 1000;
    expect(s.currentTime, shown).toBeGreaterThan(seconds - 3);
    expect(s.currentTime, shown).toBeLessThan(seconds + 0.5);
    expect(s.totalVideoFrames, shown).toBeGreaterThanOrEqual(
      Math.floor(s.currentTime * CLIP.fps) - 10,
    );
    expect([s.videoWidth, s.videoHeight], shown).toEqual([640, 360]);
    await inPage("window.vis.stop('hls')");
  });

  it("without a token the player reports the gateway's 401 and shows no frame", async () => {
    const now = Date.now();
    for (const [id, url, isLive] of [
      ["live-no-token", `${playUrl}/live/cam-a.flv`, true],
      [
        "recorded-no-token",
        `${playUrl}/recorded/cam-a.flv?start=${now - 8000}&end=${now - 2000}`,
        false,
      ],
    ] as const) {
      await play(id, url, isLive);
      const refused = await watch(id, () => false, 10_000);
      expect(refused.errors, id).toEqual([
        {
          type: "NetworkError",
          detail: "HttpStatusCodeInvalid",
          code: 401,
          msg: expect.any(String),
        },
      ]);
      await new Promise((r) => setTimeout(r, 1000));
      const after = await state(id);
      expect(after.totalVideoFrames, id).toBe(0);
      expect(after.videoWidth, id).toBe(0);
      expect(after.firstFrameMs, id).toBeNull();
      console.log(`${id}: ${JSON.stringify(after.errors)}, ${after.totalVideoFrames} frames`);
      await inPage(`window.vis.stop(${JSON.stringify(id)})`);
    }
  });
});
