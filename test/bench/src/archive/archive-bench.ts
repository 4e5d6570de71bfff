import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { startSimulator } from "@vis/simulator";
import { makeTempDir, removeTempDir, startRedis } from "@vis/test-harness";
import { recordBaseline, recordOurs } from "./record-bench.ts";
import { restartBench } from "./restart-bench.ts";
import { seekBench } from "./seek-bench.ts";

// `pnpm bench:archive`: (1) seek-to-first-byte over ≥ 24 h of 2 s segments, the hub archive (Redis
// time index → segment → exact-window FLV cutter, through its HTTP edge with a recorded grant) vs a
// naive directory scan + `ffmpeg -ss` into an ffconcat of the whole archive; (2) recording cost of
// 50 simulated cameras at once, the gateway's recorder (sha256, manifest chain, fsync'd write-once
// files, Redis index) vs a bare `ffmpeg -c copy -f segment` per camera; (3) restart cost of a camera
// with ≥ 24 h of segments and manifest records, the hinted start (`TimeIndex.catchUp` +
// `Archive.recover` from the head hint) vs the full start (`TimeIndex.rebuild` + recover over the
// whole chain). Prints JSON, then a table.
// Flags: --parts seek,record,restart (default all) --hours 24 --seeks 200 --naive-seeks 6
// --naive-timeout-ms 60000 --cameras 50 --seconds 45 --restart-hours 24 --restart-runs 3
const flag = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const PARTS = ["seek", "record", "restart"] as const;
const partsArg = process.argv[process.argv.indexOf("--parts") + 1];
const parts = new Set(
  process.argv.includes("--parts") && partsArg !== undefined ? partsArg.split(",") : PARTS,
);
for (const p of parts) {
  if (!(PARTS as readonly string[]).includes(p)) {
    process.stderr.write(`unknown part ${p}; --parts takes a list of ${PARTS.join(",")}\n`);
    process.exit(2);
  }
}
const log = (s: string) => process.stderr.write(`${s}\n`);
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);

const dir = makeTempDir("bench-archive");
const redis = await startRedis({ appendonly: false });
try {
  const result: Record<string, unknown> = {
    machine: { cores: cpus().length, loadavg1: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
  };
  const rows: [string, string, string, string][] = [
    ["measure", "hub archive", "baseline", "baseline / hub"],
  ];
  if (parts.has("seek")) {
    const seek = await seekBench({
      dir: join(dir, "seek"),
      redisUrl: redis.url,
      hours: flag("hours", 24),
      seeks: flag("seeks", 200),
      naiveSeeks: flag("naive-seeks", 6),
      naiveTimeoutMs: flag("naive-timeout-ms", 60_000),
      log,
    });
    const r = {
      p50NaiveOverHub: ratio(seek.naive.p50, seek.hub.p50),
      p95NaiveOverHub: ratio(seek.naive.p95, seek.hub.p95),
    };
    result.seek = { ...seek, ratio: r };
    rows.push(
      [
        `seek first byte p50 (ms), ${seek.hours} h`,
        String(seek.hub.p50),
        String(seek.naive.p50),
        String(r.p50NaiveOverHub),
      ],
      [
        `seek first byte p95 (ms), ${seek.hours} h`,
        String(seek.hub.p95),
        String(seek.naive.p95),
        String(r.p95NaiveOverHub),
      ],
      [
        "seeks measured",
        String(seek.hub.n),
        `${seek.naive.n} (${seek.naive.timeouts} timed out)`,
        "",
      ],
    );
  }
  if (parts.has("record")) {
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
    result.record = {
      hub: ours,
      baseline: base,
      ratio: {
        cpuHubOverBaseline: ratio(ours.cpuPctPerCamera, base.cpuPctPerCamera),
        diskHubOverBaseline: ratio(ours.diskKBpsPerCamera, base.diskKBpsPerCamera),
      },
    };
    rows.push(
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
    );
  }
  if (parts.has("restart")) {
    const rs = await restartBench({
      dir: join(dir, "restart"),
      redisUrl: redis.url,
      hours: flag("restart-hours", 24),
      runs: flag("restart-runs", 3),
      log,
    });
    const r = {
      msFullOverHinted: ratio(rs.full.ms, rs.hinted.ms),
      getsFullOverHinted: ratio(rs.full.gets, rs.hinted.gets),
      listedFullOverHinted: ratio(rs.full.listed, rs.hinted.listed),
      redisCallsFullOverHinted: ratio(rs.full.redisCalls, rs.hinted.redisCalls),
    };
    result.restart = { ...rs, ratio: r };
    const h = rs.hinted;
    const f = rs.full;
    rows.push(
      [
        `restart, hinted vs full: wall (ms, median of ${rs.runs}), ${rs.hours} h`,
        String(h.ms),
        String(f.ms),
        String(r.msFullOverHinted),
      ],
      [
        "restart: index step (ms) — catchUp vs rebuild",
        String(h.indexMs),
        String(f.indexMs),
        String(ratio(f.indexMs, h.indexMs)),
      ],
      [
        "restart: recover step (ms) — hint vs whole chain",
        String(h.recoverMs),
        String(f.recoverMs),
        String(ratio(f.recoverMs, h.recoverMs)),
      ],
      [
        "restart: store objects read (get)",
        String(h.gets),
        String(f.gets),
        String(r.getsFullOverHinted),
      ],
      [
        "restart: store objects listed",
        String(h.listed),
        String(f.listed),
        String(r.listedFullOverHinted),
      ],
      ["restart: store head probes", String(h.heads), String(f.heads), ""],
      [
        "restart: Redis commands",
        String(h.redisCalls),
        String(f.redisCalls),
        String(r.redisCallsFullOverHinted),
      ],
    );
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n`);
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of rows)
    process.stdout.write(`${r.map((c, i) => c.padEnd(w[i] ?? 0)).join("  ")}\n`);
} finally {
  await redis.stop();
  removeTempDir(dir);
}
