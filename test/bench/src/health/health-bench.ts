import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { repoRoot, startRedis, tsxLoaderUrl } from "@vis/test-harness";

// `pnpm bench:health`: the health monitor's probe scheduling at 100,000 cameras on a 10 s cycle,
// side by side with a naive baseline (one setInterval per target, no budget, no confirmation
// probe), plus the monitor with real TCP connect probes at a smaller scale to price a real probe.
// Each run is its own process; CPU is that process's user+system time over three measured cycles.
// Flags: --targets N (100000) --cycle MS (10000) --tcp-targets N (20000) --faults N (200)

const flag = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const targets = flag("targets", 100_000);
const cycle = flag("cycle", 10_000);
const tcpTargets = flag("tcp-targets", 20_000);
const faults = flag("faults", 200);

type Result = Record<string, number | string | null>;

let tcpPort = 0;

function runChild(mode: string, n: number, redisUrl: string): Promise<Result> {
  const entry = join(repoRoot(), "test/bench/src/health/engine-child.ts");
  const args = ["--import", tsxLoaderUrl(), entry, "--mode", mode, "--targets", String(n)];
  args.push("--cycle", String(cycle), "--faults", String(faults), "--redis", redisUrl);
  args.push("--tcp-port", String(tcpPort));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { timeout: cycle * 6 + 60_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${mode}: ${err.message}\n${stderr.slice(-2000)}`));
        const line = stdout.trim().split("\n").pop() ?? "";
        resolve(JSON.parse(line) as Result);
      },
    );
  });
}

const redis = await startRedis({ appendonly: false });
// The real endpoint for the TCP run: accepts and closes every connection.
const tcpServer = createServer((s) => s.destroy());
await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", 4096, () => r()));
const addr = tcpServer.address();
tcpPort = typeof addr === "object" && addr ? addr.port : 0;
try {
  process.stderr.write(`health bench: ${targets} targets, ${cycle} ms cycle, ${faults} faults\n`);
  const baseline = await runChild("naive", targets, redis.url);
  process.stderr.write("  naive done\n");
  const wheel = await runChild("wheel", targets, redis.url);
  process.stderr.write("  wheel done\n");
  const tcp = await runChild("wheel-tcp", tcpTargets, redis.url);
  process.stderr.write("  wheel-tcp done\n");
  const ratio = (k: string) => {
    const a = Number(baseline[k]);
    const b = Number(wheel[k]);
    return b > 0 ? Number((a / b).toFixed(2)) : null;
  };
  const tcpCorePer1kProbes = Number(
    (Number(tcp.cpuCores) / (Number(tcp.probesPerSecond) / 1000)).toFixed(3),
  );
  const summary = {
    bench: "health",
    baseline: "naive: one setInterval per target, no budget/wheel, no confirmation probe",
    runs: { naive: baseline, wheel, "wheel-tcp": tcp },
    ratios_naive_over_wheel: {
      cpuCores: ratio("cpuCores"),
      burstMaxPer100ms: ratio("burstMaxPer100ms"),
      detectP95Ms: ratio("detectP95Ms"),
      detectMaxMs: ratio("detectMaxMs"),
      eventLoopP99Ms: ratio("eventLoopP99Ms"),
    },
    realTcp: {
      corePer1kProbesPerSecond: tcpCorePer1kProbes,
      extrapolatedCoresAt: {
        probesPerSecond: Math.round((targets / cycle) * 1000),
        cores: Number(((tcpCorePer1kProbes * targets) / cycle).toFixed(2)),
      },
    },
    target: { maxCores: 1, detectWithinMs: 2 * cycle },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n\n`);
  const cols = [
    "targets",
    "probesPerSecond",
    "cpuCores",
    "rssMb",
    "eventLoopP99Ms",
    "meanPer100ms",
    "burstMaxPer100ms",
    "detected",
    "detectP50Ms",
    "detectP95Ms",
    "detectMaxMs",
    "detectedWithinTwoCycles",
  ];
  const rows = [
    ["run", ...cols],
    ...Object.entries(summary.runs).map(([name, r]) => [
      name,
      ...cols.map((c) => String(r[c] ?? "-")),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of rows)
    process.stdout.write(`${r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ")}\n`);
  process.stdout.write(
    `\nnaive/wheel: cpu ×${summary.ratios_naive_over_wheel.cpuCores}, burst ×${summary.ratios_naive_over_wheel.burstMaxPer100ms}, detect p95 ×${summary.ratios_naive_over_wheel.detectP95Ms}; real TCP ≈ ${tcpCorePer1kProbes} core per 1k probes/s\n`,
  );
} finally {
  tcpServer.close();
  await redis.stop();
}
