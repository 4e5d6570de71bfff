import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tsxLoaderUrl } from "@vis/test-harness";
import { CLK_TCK, cpuTicks, processTree } from "../proc-stats.ts";

export interface RecordResult {
  readonly cameras: number;
  readonly seconds: number;
  /** Cores used by the whole recording tree (ffmpeg pulls + segmenting process), per camera. */
  readonly cpuPctPerCamera: number;
  readonly cpuPctTotal: number;
  /** Bytes written to disk per camera per second (kB/s), from /proc/<pid>/io. */
  readonly diskKBpsPerCamera: number;
  readonly segments: number;
}

function writeBytes(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const m = /write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
      sum += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return sum;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name));
    else if (e.name.endsWith(".flv") && statSync(join(dir, e.name)).size > 0) n++;
  }
  return n;
}

async function measure(
  pids: () => number[],
  warmupMs: number,
  seconds: number,
): Promise<{ ticks: number; bytes: number }> {
  await new Promise((r) => setTimeout(r, warmupMs));
  const p0 = pids();
  const before = new Map(p0.map((p) => [p, { cpu: cpuTicks([p]), io: writeBytes([p]) }]));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // only processes alive at both ends count (a restarted pull would skew either way)
  let ticks = 0;
  let bytes = 0;
  for (const p of pids()) {
    const b = before.get(p);
    if (b === undefined) continue;
    ticks += cpuTicks([p]) - b.cpu;
    bytes += writeBytes([p]) - b.io;
  }
  return { ticks, bytes };
}

/** The gateway's recorder for N cameras in one child process, measured with its ffmpeg children. */
export async function recordOurs(o: {
  rtmp: string;
  cameras: string[];
  redisUrl: string;
  dir: string;
  warmupMs: number;
  seconds: number;
}): Promise<RecordResult> {
  mkdirSync(o.dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      "--import",
      tsxLoaderUrl(),
      join(repoRoot(), "test/bench/src/archive/record-child.ts"),
      "--rtmp",
      o.rtmp,
      "--cameras",
      o.cameras.join(","),
      "--redis",
      o.redisUrl,
      "--dir",
      o.dir,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const pid = child.pid ?? 0;
  const m = await measure(() => processTree(pid), o.warmupMs, o.seconds);
  const done = new Promise<string>((resolve) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("close", () => resolve(out));
  });
  child.stdin?.end();
  const lines = (await done).trim().split("\n");
  const r = JSON.parse(lines.at(-1) ?? "{}") as { segments: number };
  return result(o.cameras.length, o.seconds, m, r.segments);
}

/** Baseline: one bare `ffmpeg -c copy -f segment` per camera, no hashing, no index, no fsync. */
export async function recordBaseline(o: {
  rtmp: string;
  cameras: string[];
  dir: string;
  warmupMs: number;
  seconds: number;
}): Promise<RecordResult> {
  const children: ChildProcess[] = o.cameras.map((cam) => {
    const out = join(o.dir, cam);
    mkdirSync(out, { recursive: true });
    return spawn(
      "ffmpeg",
      [
        ...[
          "-hide_banner",
          "-nostdin",
          "-loglevel",
          "error",
          "-i",
          `${o.rtmp}/${cam}`,
          "-map",
          "0",
          "-c",
          "copy",
        ],
        ...[
          "-f",
          "segment",
          "-segment_time",
          "2",
          "-reset_timestamps",
          "1",
          "-segment_format",
          "flv",
          join(out, "%06d.flv"),
        ],
      ],
      { stdio: "ignore" },
    );
  });
  const pids = () => children.map((c) => c.pid ?? 0).filter((p) => p > 0);
  const m = await measure(pids, o.warmupMs, o.seconds);
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null) return r();
          c.once("close", () => r());
          c.kill("SIGINT");
          setTimeout(() => c.kill("SIGKILL"), 3000).unref();
        }),
    ),
  );
  return result(o.cameras.length, o.seconds, m, countFiles(o.dir));
}

function result(
  cameras: number,
  seconds: number,
  m: { ticks: number; bytes: number },
  segments: number,
): RecordResult {
  const cpuPctTotal = (m.ticks / CLK_TCK / seconds) * 100;
  return {
    cameras,
    seconds,
    cpuPctTotal: Math.round(cpuPctTotal * 10) / 10,
    cpuPctPerCamera: Math.round((cpuPctTotal / cameras) * 100) / 100,
    diskKBpsPerCamera: Math.round((m.bytes / 1024 / seconds / cameras) * 10) / 10,
    segments,
  };
}
