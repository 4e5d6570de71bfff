import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { startSimulator } from "@vis/simulator";
import { makeTempDir, removeTempDir, startRedis } from "@vis/test-harness";
import { recordBaseline, recordOurs } from "./record-bench.ts";
import { seekBench } from "./seek-bench.ts";

// `pnpm bench:archive`: (1) seek-to-first-byte over ≥ 24 h of 2 s segments, the hub archive (Redis
// time index → segment → exact-window FLV cutter, through its HTTP edge with a recorded grant) vs a
// naive directory scan + `ffmpeg -ss` into an ffconcat of the whole archive; (2) recording cost of
// 50 simulated cameras at once, the gateway's recorder (sha256, manifest chain, fsync'd write-once
// files, Redis index) vs a bare `ffmpeg -c copy -f segment` per camera. Prints JSON, then a table.
// Flags: --hours 24 --seeks 200 --naive-seeks 6 --naive-timeout-ms 60000 --cameras 50 --seconds 45
const flag = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const log = (s: string) => process.stderr.write(`${s}\n`);

const dir = makeTempDir("bench-archive");
const redis = await startRedis({ appendonly: false });
try {
  const seek = await seekBench({
    dir: join(dir, "seek"),
    redisUrl: redis.url,
    hours: flag("hours", 24),
    seeks: flag("seeks", 200),
    naiveSeeks: flag("naive-seeks", 6),
    naiveTimeoutMs: flag("naive-timeout-ms", 60_000),
    log,
  });
  const n = flag("cameras", 50);
  const seconds = flag("seconds", 45);
  log(`record: starting ${n} simulated cameras`);
  const sim = await startSimulator({ cameras: n });
  let ours: Awaited<ReturnType<typeof recordOurs>>;
  let base: Awaited<ReturnType<typeof recordBaseline>>;
  try {
    const cameras = sim.cameras.map((c) => c.id);
    ours = await recordOurs({
      rtmp: sim.rtmpUrl,
      cameras,
      redisUrl: redis.url,
      dir: join(dir, "ours"),
      warmupMs: 8000,
      seconds,
    });
    log(`record: hub recorder ${ours.cpuPctPerCamera} % CPU per camera`);
    base = await recordBaseline({
      rtmp: sim.rtmpUrl,
      cameras,
      dir: join(dir, "base"),
      warmupMs: 8000,
      seconds,
    });
    log(`record: baseline ${base.cpuPctPerCamera} % CPU per camera`);
  } finally {
    await sim.close();
  }
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
  const result = {
    machine: { cores: cpus().length, loadavg1: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    seek: {
      ...seek,
      ratio: {
        p50NaiveOverHub: ratio(seek.naive.p50, seek.hub.p50),
        p95NaiveOverHub: ratio(seek.naive.p95, seek.hub.p95),
      },
    },
    record: {
      hub: ours,
      baseline: base,
      ratio: {
        cpuHubOverBaseline: ratio(ours.cpuPctPerCamera, base.cpuPctPerCamera),
        diskHubOverBaseline: ratio(ours.diskKBpsPerCamera, base.diskKBpsPerCamera),
      },
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n`);
  const rows: [string, string, string, string][] = [
    ["measure", "hub archive", "baseline", "baseline / hub"],
    [
      `seek first byte p50 (ms), ${seek.hours} h`,
      String(seek.hub.p50),
      String(seek.naive.p50),
      String(result.seek.ratio.p50NaiveOverHub),
    ],
    [
      `seek first byte p95 (ms), ${seek.hours} h`,
      String(seek.hub.p95),
      String(seek.naive.p95),
      String(result.seek.ratio.p95NaiveOverHub),
    ],
    [
      "seeks measured",
      String(seek.hub.n),
      `${seek.naive.n} (${seek.naive.timeouts} timed out)`,
      "",
    ],
    [
      `CPU per camera (% of a core), ${n} cams`,
      String(ours.cpuPctPerCamera),
      String(base.cpuPctPerCamera),
      String(ratio(base.cpuPctPerCamera, ours.cpuPctPerCamera)),
    ],
    [
      "disk write per camera (kB/s)",
      String(ours.diskKBpsPerCamera),
      String(base.diskKBpsPerCamera),
      String(ratio(base.diskKBpsPerCamera, ours.diskKBpsPerCamera)),
    ],
    [
      `segments written in ${seconds} s + warm-up`,
      String(ours.segments),
      String(base.segments),
      "",
    ],
  ];
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of rows)
    process.stdout.write(`${r.map((c, i) => c.padEnd(w[i] ?? 0)).join("  ")}\n`);
} finally {
  await redis.stop();
  removeTempDir(dir);
}
