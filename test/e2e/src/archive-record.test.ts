import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Simulator, startSimulator } from "@vis/simulator";
import { makeTempDir, type RedisServer, repoRoot, runToExit, startRedis } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Archive,
  DAY_MS,
  DiskGuard,
  type ExportJwks,
  type SegmentRef,
  type SignedExportManifest,
  segmentKey,
  sha256Hex,
  verifyExport,
} from "../../../libs/archive/src/index.ts";
import { Recorder } from "../../../services/gateway/src/archive/recorder.ts";
import { type ArchiveFixture, startArchiveEdge } from "./archive-fixture.ts";
import { mediaTags, probeCodecs, readHttpFlv } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

const GOP_MS = 2000;
const cli = (...args: string[]) =>
  runToExit({ entry: join(repoRoot(), "tools", "cli", "src", "main.ts"), args, timeoutMs: 60_000 });

// Record a real camera (simulator: ffmpeg → node-media-server) with the gateway's recorder into a
// filesystem store with a Redis index, then play windows back, export, and try to delete.
describe("hub archive: record, play back, export, retention", () => {
  let sim: Simulator;
  let redis: RedisServer;
  let edge: ArchiveFixture;
  let recorder: Recorder;
  let dir: string;
  const gaps: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir("archive-rec");
    [sim, redis] = await Promise.all([
      startSimulator({ cameras: 2 }),
      startRedis({ appendonly: false }),
    ]);
    edge = await startArchiveEdge(join(dir, "store"), redis.url, {
      archivedByHub: (c) => c === "cam-001",
      playbackTemplate: (c) =>
        c === "cam-002" ? `${sim.httpUrl}/playback/${c}?start={start_ms}&end={end_ms}` : undefined,
    });
    recorder = new Recorder({
      camera: "cam-001",
      source: `${sim.rtmpUrl}/cam-001`,
      archive: edge.archive,
      disk: new DiskGuard(() => edge.archive.store.freeBytes(), 1024 * 1024),
      segmentMs: 2000,
      gapToleranceMs: 1000,
      ffmpegPath: "ffmpeg",
      stallTimeoutMs: 3000,
      backoffInitialMs: 200,
      backoffMaxMs: 1000,
      events: { gap: (c, from, to) => gaps.push(`${c} ${from} ${to}`) },
    });
    recorder.start();
    await eventually("8 segments recorded", () => recorder.segments >= 8, 40_000);
  });
  afterAll(async () => {
    await recorder?.stop();
    await edge?.close();
    await Promise.all([sim?.close(), redis?.stop()]);
  });

  const segments = () => edge.archive.index.all("cam-001");
  const url = (path: string, q: Record<string, string | number>) =>
    `${edge.base}${path}?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`;

  it("stores keyframe-aligned segments back to back, chained, and indexed", async () => {
    const segs = await segments();
    expect(segs.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < segs.length; i++) {
      const a = segs[i - 1];
      const b = segs[i];
      expect(b?.startMs).toBe(a?.endMs); // continuous: each segment ends where the next begins
      expect((b?.endMs ?? 0) - (b?.startMs ?? 0)).toBeGreaterThanOrEqual(1900);
    }
    expect(Math.abs((segs.at(-1)?.endMs ?? 0) - Date.now())).toBeLessThan(6000);
    expect(await edge.archive.verify("cam-001")).toEqual([]);
    const first = await edge.archive.read(segs[0] as (typeof segs)[0]);
    const file = join(dir, "seg0.flv");
    writeFileSync(file, first);
    expect(probeCodecs(file)).toEqual(["aac", "h264"]);
    expect(gaps).toEqual([]);
  });

  it("plays exactly a granted window: first frame a keyframe within one GOP of t1, nothing at or past t2", async () => {
    const segs = await segments();
    const t1 = (segs[1]?.startMs ?? 0) + 700;
    const t2 = t1 + 6300;
    const token = await edge.token({
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
    });
    const r = await readHttpFlv(
      url("/recorded/cam-001.flv", { start: t1, end: t2, token }),
      15_000,
    );
    expect(r.status).toBe(200);
    const first = Number(r.headers["x-vis-first-frame"]);
    expect(first).toBeGreaterThanOrEqual(t1);
    expect(first - t1).toBeLessThanOrEqual(GOP_MS + 100);
    const media = mediaTags(r.tags);
    expect(media.find((t) => t.kind === "video")).toMatchObject({ keyframe: true, timestamp: 0 });
    const lastTs = Math.max(...media.map((t) => t.timestamp));
    expect(first + lastTs).toBeLessThan(t2);
    expect(first + lastTs).toBeGreaterThan(t2 - 200); // and it does reach t2
    expect(r.tags.filter((t) => t.kind === "video" && t.sequenceHeader)).toHaveLength(1);
    const file = join(dir, "window.flv");
    writeFileSync(file, r.raw);
    expect(probeCodecs(file)).toEqual(["aac", "h264"]);
    expect(edge.events.some((e) => e.kind === "ended" && e.detail.startsWith("cam-001"))).toBe(
      true,
    );
  });

  it("seeks inside the grant and refuses anything outside it", async () => {
    const segs = await segments();
    const from = segs[0]?.startMs ?? 0;
    const to = segs.at(-1)?.endMs ?? 0;
    const token = await edge.token({
      window: { from: Math.floor(from / 1000) + 2, to: Math.floor(to / 1000) - 2 },
    });
    const seekTo = from + 6000;
    const seek = await readHttpFlv(
      url("/recorded/cam-001.flv", { start: seekTo, end: seekTo + 3000, token }),
      10_000,
    );
    expect(seek.status).toBe(200);
    expect(Number(seek.headers["x-vis-first-frame"]) - seekTo).toBeLessThanOrEqual(GOP_MS + 100);
    const before = await readHttpFlv(
      url("/recorded/cam-001.flv", { start: from, end: from + 3000, token }),
      5000,
    );
    expect(before.status).toBe(403);
    expect(JSON.parse(before.raw.toString()).error).toMatchObject({
      code: "permission_denied",
      field: "token",
    });
    expect(before.tags).toHaveLength(0);
    const live = await edge.token({ mode: "live" });
    const wrongMode = await readHttpFlv(
      url("/recorded/cam-001.flv", { start: seekTo, end: seekTo + 1000, token: live }),
      5000,
    );
    expect(wrongMode.status).toBe(403);
    const bad = await readHttpFlv(
      url("/recorded/cam-001.flv", { start: "yesterday", end: 1, token }),
      5000,
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.raw.toString()).error).toMatchObject({
      code: "invalid_argument",
      field: "start",
    });
  });

  it("serves the window as an HLS VOD playlist whose segments are authorised MPEG-TS", async () => {
    const segs = await segments();
    const t1 = segs[1]?.startMs ?? 0;
    const t2 = segs[4]?.endMs ?? 0;
    const token = await edge.token({
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
    });
    const res = await fetch(url("/recorded/cam-001/index.m3u8", { start: t1, end: t2, token }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(text).toContain("#EXT-X-ENDLIST");
    const entries = text.split("\n").filter((l) => l.endsWith(".ts") || l.includes(".ts?"));
    expect(entries).toHaveLength(4);
    const ts = await fetch(`${edge.base}/recorded/cam-001/${entries[0]}`);
    expect(ts.status).toBe(200);
    const file = join(dir, "hls0.ts");
    writeFileSync(file, Buffer.from(await ts.arrayBuffer()));
    expect(probeCodecs(file)).toEqual(["aac", "h264"]);
    const noToken = await fetch(`${edge.base}/recorded/cam-001/0.ts?start=${t1}&end=${t2}`);
    expect(noToken.status).toBe(401);
    // one timeline across the pieces (players need continuous timestamps or a discontinuity)
    const pts = await hlsVideoPts(text);
    expectContinuous(pts, t2 - t1);
  });

  /** Fetches every piece of a playlist; the video packets' PTS (s) of the pieces in order. */
  const hlsVideoPts = async (playlist: string, camera = "cam-001") => {
    const entries = playlist.split("\n").filter((l) => l.includes(".ts?"));
    const all: number[] = [];
    for (const [i, e] of entries.entries()) {
      const res = await fetch(`${edge.base}/recorded/${camera}/${e}`);
      expect(res.status, e).toBe(200);
      const file = join(dir, `hls-${camera}-${i}.ts`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const out = spawnSync(
        "ffprobe",
        [
          "-v",
          "error",
          "-select_streams",
          "v",
          "-show_entries",
          "packet=pts_time",
          "-of",
          "csv=p=0",
          file,
        ],
        { encoding: "utf8" },
      );
      all.push(
        ...out.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => Number.parseFloat(l)),
      );
    }
    return all;
  };
  /** Increasing PTS with no jump over 0.2 s (25 fps: 0.04 s), covering about `windowMs`. */
  const expectContinuous = (pts: number[], windowMs: number) => {
    const sorted = [...pts].sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(20);
    let gap = 0;
    for (let i = 1; i < sorted.length; i++)
      gap = Math.max(gap, (sorted[i] ?? 0) - (sorted[i - 1] ?? 0));
    expect(gap, "largest PTS gap between video frames (s)").toBeLessThan(0.2);
    const span = (sorted.at(-1) ?? 0) - (sorted[0] ?? 0);
    expect(span).toBeGreaterThan(windowMs / 1000 - GOP_MS / 1000 - 0.5);
    expect(span).toBeLessThan(windowMs / 1000);
    // no frame twice
    expect(new Set(sorted.map((t) => t.toFixed(3))).size).toBe(sorted.length);
  };

  it("exports an MP4 with a signed manifest that verifies; a tampered clip is detected", async () => {
    const segs = await segments();
    const t1 = (segs[2]?.startMs ?? 0) + 100;
    const t2 = t1 + 4000;
    const window = { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) };
    const viewOnly = await edge.token({ window });
    const refused = await fetch(
      url("/archive/exports", { camera: "cam-001", start: t1, end: t2, token: viewOnly }),
      { method: "POST" },
    );
    expect(refused.status).toBe(403);
    const token = await edge.token({ window, action: "export" });
    const res = await fetch(
      url("/archive/exports", { camera: "cam-001", start: t1, end: t2, token }),
      { method: "POST" },
    );
    expect(res.status).toBe(201);
    const { manifest } = (await res.json()) as { manifest: SignedExportManifest };
    expect(manifest).toMatchObject({
      camera: "cam-001",
      window: { fromMs: t1, toMs: t2 },
      officers: ["010001", "010002"],
    });
    expect(manifest.segments.map((s) => s.key)).toEqual(
      (await edge.archive.plan("cam-001", t1, t2)).segments.map((s) => s.key),
    );
    const clipRes = await fetch(
      `${edge.base}/archive/exports/${manifest.exportId}.mp4?token=${token}`,
    );
    expect(clipRes.status).toBe(200);
    const clip = Buffer.from(await clipRes.arrayBuffer());
    const jwks = (await (await fetch(`${edge.base}/archive/keys`)).json()) as ExportJwks;
    expect(verifyExport(clip, manifest, jwks)).toEqual([]);
    const file = join(dir, "export.mp4");
    writeFileSync(file, clip);
    expect(probeCodecs(file)).toEqual(["aac", "h264"]);
    const tampered = Buffer.from(clip);
    const mid = Math.floor(tampered.length / 2);
    tampered[mid] = (tampered[mid] ?? 0) ^ 0xff;
    expect(verifyExport(tampered, manifest, jwks)).toContain("clip_altered");
    expect(verifyExport(clip, { ...manifest, grantId: "g-other" }, jwks)).toContain(
      "bad_signature",
    );
    expect(edge.events.some((e) => e.kind === "export" && e.detail === manifest.exportId)).toBe(
      true,
    );
    // the auditor's side: `vis archive verify CLIP MANIFEST --keys URL`
    const mFile = join(dir, "export.json");
    writeFileSync(mFile, JSON.stringify(manifest));
    const badFile = join(dir, "export-tampered.mp4");
    writeFileSync(badFile, tampered);
    const ok = await cli("archive", "verify", file, mFile, "--keys", `${edge.base}/archive/keys`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`verified: ${manifest.exportId}`);
    const bad = await cli(
      "archive",
      "verify",
      badFile,
      mFile,
      "--keys",
      `${edge.base}/archive/keys`,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("clip_altered");
    expect(sha256Hex(clip)).toBe(manifest.clip.sha256);
  });

  it("refuses deleting or rewriting a segment inside retention (Art. 22(3)); the data stays intact", async () => {
    const segs = await segments();
    const key = segs[0]?.key ?? "";
    const before = await edge.archive.store.get(key);
    const del = await fetch(`${edge.base}/archive/segments/${encodeURIComponent(key)}`, {
      method: "DELETE",
    });
    expect(del.status).toBe(412);
    expect(((await del.json()) as { error: unknown }).error).toMatchObject({
      code: "failed_precondition",
      article: "Art. 22(3)",
      field: "key",
    });
    const put = await fetch(`${edge.base}/archive/segments/${encodeURIComponent(key)}`, {
      method: "PUT",
      body: "x",
    });
    expect(put.status).toBe(412);
    await expect(edge.archive.store.put(key, Buffer.from("overwrite"))).rejects.toMatchObject({
      code: "already_exists",
    });
    await expect(edge.archive.remove(key, "test")).rejects.toMatchObject({
      code: "failed_precondition",
    });
    expect(sha256Hex(await edge.archive.store.get(key))).toBe(sha256Hex(before));
    expect(await edge.archive.verify("cam-001")).toEqual([]);
    const chain = await cli("archive", "chain", join(dir, "store"), "cam-001");
    expect(chain.code).toBe(0);
    expect(chain.stdout).toMatch(/^ok: \d+ records/);
    expect(
      edge.events.filter(
        (e) =>
          e.kind === "refused" &&
          e.detail.startsWith("segment.delete cam-001 failed_precondition Art. 22(3)"),
      ),
    ).toHaveLength(1);
  });

  it("places a legal hold for a case with a retrieval grant; other grants and no case are refused", async () => {
    const segs = await segments();
    const t1 = segs[0]?.startMs ?? 0;
    const t2 = segs[1]?.endMs ?? 0;
    const window = { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) };
    const hold = (token: string, q: Record<string, string | number> = { case: "cz-2026-0042" }) =>
      fetch(url("/archive/holds", { camera: "cam-001", start: t1, end: t2, token, ...q }), {
        method: "POST",
      });
    expect((await hold(await edge.token({ window }))).status).toBe(403);
    const retrieve = await edge.token({ window, action: "retrieve" });
    const noCase = await hold(retrieve, {});
    expect(noCase.status).toBe(400);
    expect(((await noCase.json()) as { error: unknown }).error).toMatchObject({ field: "case" });
    const res = await hold(retrieve);
    expect(res.status).toBe(201);
    const { hold: placed } = (await res.json()) as { hold: { id: string; caseId: string } };
    expect(placed.caseId).toBe("cz-2026-0042");
    expect(
      edge.events.some(
        (e) => e.kind === "hold" && e.detail.startsWith(`${placed.id} cz-2026-0042`),
      ),
    ).toBe(true);
  });

  it("after retention (injected clock) the sweep removes unheld segments, registers each, keeps held ones", async () => {
    await recorder.stop();
    const segs = await segments();
    const later = (segs.at(-1)?.endMs ?? 0) + 30 * DAY_MS + 1;
    const aged = new Archive({
      store: edge.archive.store,
      index: edge.archive.index,
      retentionDays: async () => 30,
      clock: () => later,
    });
    // 29 days after the end nothing goes
    const early = new Archive({
      ...{ store: edge.archive.store, index: edge.archive.index },
      retentionDays: async () => 30,
      clock: () => later - 2 * DAY_MS,
    });
    expect((await early.sweep("cam-001")).removed).toHaveLength(0);
    const holds = await aged.holds("cam-001"); // the export's (tied to its grant) and the case's
    expect(holds.map((h) => (h.caseId === "" ? "grant" : h.caseId)).sort()).toEqual([
      "cz-2026-0042",
      "grant",
    ]);
    const out = await aged.sweep("cam-001");
    expect(out.removed.length).toBeGreaterThan(0);
    expect(out.held.length).toBeGreaterThan(0);
    expect(out.removed.length + out.held.length).toBe(segs.length);
    for (const r of out.removed) {
      expect(r.kind).toBe("removed");
      expect(await aged.store.head(r.key)).toBeUndefined();
    }
    for (const h of out.held) expect(await aged.store.head(h.segment.key)).toBeGreaterThan(0);
    expect(out.held.map((h) => h.segment.key)).toContain(segs[0]?.key); // the case's window
    expect((await aged.index.all("cam-001")).length).toBe(out.held.length);
    expect(await aged.verify("cam-001")).toEqual([]); // the chain still verifies, removals included
  });

  it("finds a segment no record links, and links one left by a crash at recovery", async () => {
    const last = (await edge.archive.records("cam-001")).at(-1);
    const start = (last?.endMs ?? 0) + 10_000;
    const orphan = segmentKey("cam-001", start, start + 2000);
    // the recorder stored a segment, then died before writing its manifest record
    await edge.archive.store.put(
      orphan,
      await edge.archive.read((await segments())[0] as SegmentRef),
    );
    expect(await edge.archive.verify("cam-001")).toEqual([
      { seq: -1, key: orphan, problem: "segment_unlinked" },
    ]);
    const added = await edge.archive.recover("cam-001");
    expect(added.map((r) => [r.key, r.reason])).toEqual([[orphan, "linked at recovery"]]);
    expect(await edge.archive.verify("cam-001")).toEqual([]);
    expect((await edge.archive.index.all("cam-001")).at(-1)?.key).toBe(orphan);
  });

  it("rebuilds the time index from the store's listing", async () => {
    const before = (await edge.archive.index.all("cam-001")).map((s) => s.key);
    await edge.redis.del("vis:archive:idx:cam-001"); // a foreign key: nothing of ours
    const n = await edge.archive.index.rebuild(edge.archive.store, "cam-001");
    expect(n).toBe(before.length);
    expect((await edge.archive.index.all("cam-001")).map((s) => s.key)).toEqual(before);
  });

  it("relays an operator's playback endpoint for a camera the hub does not record, cut to the window", async () => {
    const cams = await sim.listCameras();
    const rec = cams.find((c) => c.id === "cam-002")?.recorded;
    expect(rec).not.toBeNull();
    const end = Date.parse(rec?.end ?? "");
    const t1 = end - 9000;
    const t2 = end - 3000;
    const token = await edge.token({
      cameras: ["cam-002"],
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
    });
    const r = await readHttpFlv(
      url("/recorded/cam-002.flv", { start: t1, end: t2, token }),
      20_000,
    );
    expect(r.status).toBe(200);
    const first = Number(r.headers["x-vis-first-frame"]);
    expect(first).toBeGreaterThanOrEqual(t1);
    expect(first - t1).toBeLessThanOrEqual(GOP_MS + 300);
    const media = mediaTags(r.tags);
    expect(media.find((t) => t.kind === "video")).toMatchObject({ keyframe: true });
    expect(first + Math.max(...media.map((t) => t.timestamp))).toBeLessThan(t2);
    expect(media.filter((t) => t.kind === "video").length).toBeGreaterThan(50);
  });

  it("HLS of an operator's recording: 10 s pieces joined at keyframes, one timeline, nothing lost", async () => {
    const cams = await sim.listCameras();
    const rec = cams.find((c) => c.id === "cam-002")?.recorded;
    const end = Date.parse(rec?.end ?? "");
    const t2 = end - 1000;
    const t1 = Math.max(Date.parse(rec?.start ?? "") + 1000, t2 - 25_000);
    expect(t2 - t1).toBeGreaterThan(11_000); // at least two pieces
    const token = await edge.token({
      cameras: ["cam-002"],
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
    });
    const res = await fetch(url("/recorded/cam-002/index.m3u8", { start: t1, end: t2, token }));
    expect(res.status).toBe(200);
    const text = await res.text();
    const entries = text.split("\n").filter((l) => l.includes(".ts?"));
    // 10 s pieces, a rest under 5 s joined to the piece before it
    const n = Math.ceil((t2 - t1) / 10_000);
    expect(entries).toHaveLength((t2 - t1) % 10_000 > 0 && (t2 - t1) % 10_000 < 5000 ? n - 1 : n);
    expectContinuous(await hlsVideoPts(text, "cam-002"), t2 - t1);
    // a window whose rest after 10 s is short (0.5 s, likely without a keyframe): one piece
    const t0 = t2 - 10_500;
    const short = await fetch(url("/recorded/cam-002/index.m3u8", { start: t0, end: t2, token }));
    const shortText = await short.text();
    expect(shortText.split("\n").filter((l) => l.includes(".ts?"))).toHaveLength(1);
    expectContinuous(await hlsVideoPts(shortText, "cam-002"), t2 - t0);
  });

  it("vis archive export: a window in pieces, each registered, downloaded and verified", async () => {
    const segs = await segments();
    const t1 = segs[1]?.startMs ?? 0;
    const t2 = t1 + 8000;
    const token = await edge.token({
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
      action: "export",
    });
    const prefix = join(dir, "cli-export");
    const r = await cli(
      ...["archive", "export", "--url", edge.base, "--token", token, "--camera", "cam-001"],
      ...["--start", String(t1), "--end", String(t2), "--piece", "4s", "--out", prefix, "--json"],
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { file: string; verified: boolean; from: string }[];
    expect(rows.map((x) => [x.file, x.verified])).toEqual([
      [`${prefix}-1.mp4`, true],
      [`${prefix}-2.mp4`, true],
    ]);
    expect(Date.parse(rows[1]?.from ?? "")).toBe(t1 + 4000);
    expect(probeCodecs(`${prefix}-2.mp4`)).toEqual(["aac", "h264"]);
    // a view-only grant cannot copy: the gateway's refusal, named, exit 1
    const viewOnly = await edge.token({
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
    });
    const refused = await cli(
      ...["archive", "export", "--url", edge.base, "--token", viewOnly, "--camera", "cam-001"],
      ...["--start", String(t1), "--end", String(t2), "--out", `${prefix}-x`],
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/permission_denied/);
  });

  it("refuses an export longer than the configured maximum, naming the field", async () => {
    const t2 = Date.now();
    const t1 = t2 - 31 * 60_000;
    const token = await edge.token({
      window: { from: Math.floor(t1 / 1000), to: Math.ceil(t2 / 1000) },
      action: "export",
    });
    const res = await fetch(
      url("/archive/exports", { camera: "cam-001", start: t1, end: t2, token }),
      {
        method: "POST",
      },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: "invalid_argument",
        field: "end",
        message: expect.stringMatching(/at most 30 min/),
      },
    });
  });
});
