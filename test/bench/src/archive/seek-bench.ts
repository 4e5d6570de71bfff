import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { link, mkdir, readdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { Archive, ExportSigner, FsSegmentStore, segmentKey, TimeIndex } from "@vis/archive";
import { GrantIssuer, generateSigningKey, publicJwks, RevocationList } from "@vis/grants";
import { Redis } from "ioredis";
// The archive's HTTP edge and the gateway's session registry, by path (the gateway's package
// index exports the live path only).
import { ArchiveHttp } from "../../../../services/gateway/src/playback/archive-http.ts";
import { RecordedAuthorizer } from "../../../../services/gateway/src/playback/recorded-authorizer.ts";
import { SessionRegistry } from "../../../../services/gateway/src/sessions/session-registry.ts";

export interface SeekResult {
  readonly segments: number;
  readonly hours: number;
  readonly indexRebuildMs: number;
  readonly hub: { n: number; p50: number; p95: number; mean: number };
  readonly naive: { n: number; p50: number; p95: number; mean: number; timeouts: number };
}

const SEG_MS = 2000;
const CAMERA = "cam-bench";

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const stats = (xs: number[]) => ({
  n: xs.length,
  p50: round(pct(xs, 50)),
  p95: round(pct(xs, 95)),
  mean: round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
});
const round = (x: number) => Math.round(x * 10) / 10;

/** A real 2 s H.264/AAC FLV segment, as the recorder stores them (keyframe first, ts from 0). */
function makeSegment(file: string): void {
  const r = spawnSync(
    "ffmpeg",
    [
      ...[
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25",
      ],
      ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "2"],
      ...[
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-b:v",
        "500k",
        "-g",
        "50",
        "-keyint_min",
        "50",
      ],
      ...["-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "1", "-f", "flv", file],
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
}

/** First body byte of a GET, in ms; rejects on a non-200. */
function firstByte(url: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${res.statusCode}`));
      }
      res.once("data", () => {
        resolve(performance.now() - t0);
        res.destroy();
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Naive: scan the folder, list every file in an ffconcat, `ffmpeg -ss` into it; first stdout byte. */
async function naiveSeek(
  dir: string,
  tmp: string,
  offsetS: number,
  timeoutMs: number,
): Promise<number> {
  const t0 = performance.now();
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith(".flv")).sort();
  const list = join(tmp, `concat-${randomBytes(3).toString("hex")}.txt`);
  await writeFile(
    list,
    `ffconcat version 1.0\n${names.map((n) => `file '${join(dir, n)}'`).join("\n")}\n`,
  );
  const child = spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-ss", String(offsetS)],
      ...[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list,
        "-t",
        "10",
        "-c",
        "copy",
        "-f",
        "flv",
        "pipe:1",
      ],
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      child.stdout.once("data", () => {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      });
      child.once("close", () => reject(new Error("ffmpeg ended without output")));
    });
  } finally {
    child.kill("SIGKILL");
  }
}

/**
 * Seek-to-first-byte over a synthesised archive of `hours` of 2 s segments: one real segment
 * written once and hard-linked under consecutive time keys (same bytes, no extra disk), the
 * index rebuilt from the store's listing (the real rebuild path), then random 10 s windows played
 * through the real archive HTTP edge with a recorded grant — vs the naive baseline.
 */
export async function seekBench(o: {
  dir: string;
  redisUrl: string;
  hours: number;
  seeks: number;
  naiveSeeks: number;
  naiveTimeoutMs: number;
  log: (s: string) => void;
}): Promise<SeekResult> {
  await mkdir(o.dir, { recursive: true });
  const master = join(o.dir, "master.flv");
  makeSegment(master);
  const root = join(o.dir, "store");
  const n = Math.ceil((o.hours * 3600_000) / SEG_MS);
  const t0 = Date.UTC(2026, 10, 1);
  // laid out as the store lays segments out (shard folders), through its own path mapping
  const layout = new FsSegmentStore(root);
  for (let i = 0; i < n; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, async (_, j) => {
        const s = t0 + (i + j) * SEG_MS;
        const path = layout.pathOf(segmentKey(CAMERA, s, s + SEG_MS));
        await mkdir(dirname(path), { recursive: true });
        return link(master, path);
      }),
    );
  }
  o.log(`seek: ${n} segments (${o.hours} h) linked`);
  const redis = new Redis(o.redisUrl);
  const store = new FsSegmentStore(root);
  const index = new TimeIndex(redis, `vis:bench:${randomBytes(3).toString("hex")}:`);
  const r0 = performance.now();
  const indexed = await index.rebuild(store, CAMERA);
  const indexRebuildMs = performance.now() - r0;
  o.log(`seek: index rebuilt from the listing (${indexed}) in ${Math.round(indexRebuildMs)} ms`);
  const archive = new Archive({ store, index, retentionDays: async () => 30 });
  const ring = { keys: [await generateSigningKey()] };
  const issuer = new GrantIssuer(ring);
  const keys = publicJwks(ring);
  const http = new ArchiveHttp({
    archive,
    authorizer: new RecordedAuthorizer(() => keys, new RevocationList()),
    locator: { archivedByHub: () => true, playbackTemplate: () => undefined },
    signer: ExportSigner.generate(),
    sessions: new SessionRegistry(),
    ffmpegPath: "ffmpeg",
  });
  const port = await http.listen("127.0.0.1", 0);
  const { token } = await issuer.issue(
    {
      grantId: "g-bench",
      agencyId: "cz-psb",
      officers: ["010001", "010002"],
      cameras: [CAMERA],
      mode: "recorded",
      action: "view",
      window: { from: Math.floor(t0 / 1000), to: Math.ceil((t0 + n * SEG_MS) / 1000) },
      maxSessions: 4,
    },
    { ttlSec: 3600 },
  );
  const span = n * SEG_MS - 20_000;
  const starts = Array.from({ length: o.seeks }, () => t0 + Math.floor(Math.random() * span));
  const hub: number[] = [];
  for (const s of starts.slice(0, 5))
    await firstByte(
      `http://127.0.0.1:${port}/recorded/${CAMERA}.flv?start=${s}&end=${s + 10_000}&token=${token}`,
      10_000,
    ); // warm-up
  for (const s of starts) {
    hub.push(
      await firstByte(
        `http://127.0.0.1:${port}/recorded/${CAMERA}.flv?start=${s}&end=${s + 10_000}&token=${token}`,
        10_000,
      ),
    );
  }
  o.log(`seek: hub p50 ${pct(hub, 50).toFixed(1)} ms over ${hub.length}`);
  const naive: number[] = [];
  let timeouts = 0;
  for (const s of starts.slice(0, o.naiveSeeks)) {
    try {
      naive.push(
        await naiveSeek(join(root, "seg", CAMERA), o.dir, (s - t0) / 1000, o.naiveTimeoutMs),
      );
    } catch {
      timeouts++;
      naive.push(o.naiveTimeoutMs);
    }
    o.log(`seek: naive ${naive.length}/${o.naiveSeeks}: ${Math.round(naive.at(-1) ?? 0)} ms`);
  }
  await http.close();
  redis.disconnect();
  return {
    segments: n,
    hours: o.hours,
    indexRebuildMs: Math.round(indexRebuildMs),
    hub: stats(hub),
    naive: { ...stats(naive), timeouts },
  };
}
