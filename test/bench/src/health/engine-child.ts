import { monitorEventLoopDelay } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import {
  ProbeProtocol,
  ProbeTargetSchema,
  State,
  TargetKind,
} from "@vis/proto/vis/health/v1/status_pb";
import {
  DEFAULT_POLICY,
  HealthStore,
  Monitor,
  type ProbeFn,
  probeTarget,
} from "@vis/service-health";
import { Redis } from "ioredis";

// One benchmark run in its own process (so its CPU is its own). Modes:
//  wheel      the health monitor core (probe wheel, trackers, incidents, Redis state) with
//             light in-process fake endpoints (a per-target up/down flag answered after 1–4 ms)
//  naive      baseline: one setInterval per target, all started together, no budget, no confirm
//             probe, the same fake endpoints and the same 2-failure rule
//  wheel-tcp  the monitor core with real TCP connect probes to a local TCP server (real sockets;
//             the server runs in the parent process)
// Prints one JSON line with its measurements.

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const mode = arg("mode", "wheel");
const N = Number(arg("targets", "100000"));
const CYCLE = Number(arg("cycle", "10000"));
const FAULTS = Number(arg("faults", "200"));
const redisUrl = arg("redis", "");
/** The TCP server the wheel-tcp run connects to (in the parent process, so its cost is not ours). */
const tcpPort = Number(arg("tcp-port", "0"));

const up = new Map<string, boolean>();
const faultAt = new Map<string, number>();
const detected: number[] = [];
const starts: number[] = [];

const fakeProbe: ProbeFn = (t) =>
  new Promise((resolve) => {
    starts.push(performance.now());
    const latency = 1 + Math.random() * 3;
    const ok = up.get(t.id) !== false;
    setTimeout(
      () => resolve({ ok, latencyMs: latency, reason: ok ? "" : "connect ECONNREFUSED" }),
      latency,
    );
  });

function onOffline(id: string, at: number): void {
  const f = faultAt.get(id);
  if (f !== undefined) {
    detected.push(at - f);
    faultAt.delete(id);
  }
}

async function main(): Promise<void> {
  const ids = Array.from({ length: N }, (_, i) => `cam-${String(i).padStart(6, "0")}`);
  for (const id of ids) up.set(id, true);
  let stop: () => Promise<void> = async () => undefined;
  let wheelStats = () => ({});
  if (mode === "naive") {
    const failures = new Map<string, number>();
    const state = new Map<string, State>();
    const timers = ids.map((id) =>
      setInterval(() => {
        const target = { id } as never;
        void fakeProbe(target, 2000).then((r) => {
          const n = r.ok ? 0 : (failures.get(id) ?? 0) + 1;
          failures.set(id, n);
          const next = n >= 2 ? State.OFFLINE : State.ONLINE;
          if (state.get(id) !== next && next === State.OFFLINE) onOffline(id, performance.now());
          state.set(id, next);
        });
      }, CYCLE),
    );
    stop = async () => {
      for (const t of timers) clearInterval(t);
    };
  } else {
    const redis = new Redis(redisUrl, { lazyConnect: false });
    await redis.flushall();
    const tcp = mode === "wheel-tcp" ? { port: tcpPort } : undefined;
    const monitor = new Monitor({
      policy: DEFAULT_POLICY,
      incidents: {
        openAfterOfflineMs: 0,
        openAfterDegradedMs: 60_000,
        repairDeadlineMs: 3_600_000,
      },
      cycleMs: CYCLE,
      timeoutMs: 2000,
      confirmDelayMs: 1000,
      slotMs: 10,
      maxInFlight: 2000,
      jitter: 0.02,
      probe: tcp
        ? (t, timeout) => {
            starts.push(performance.now());
            return probeTarget(t, timeout);
          }
        : fakeProbe,
      store: new HealthStore(redis),
    });
    monitor.listen({
      status: (t, tr) => {
        if (tr.to === State.OFFLINE) onOffline(t.id, performance.now());
      },
    });
    await monitor.start();
    const targets = ids.map((id, i) =>
      create(ProbeTargetSchema, {
        id,
        kind: TargetKind.CAMERA,
        protocol: tcp ? ProbeProtocol.TCP : ProbeProtocol.HTTP_FLV,
        url: tcp ? `tcp://127.0.0.1:${tcp.port}` : `http://127.0.0.1:1/live/${id}.flv`,
        systemId: `sys-${i % 100}`,
        agencyId: `ag-${i % 20}`,
        district: `d-${i % 7}`,
        operator: `op-${i % 20}`,
      }),
    );
    await monitor.upsert(targets);
    wheelStats = () => ({
      maxBacklog: monitor.wheel.maxBacklog,
      lateMsMax: Math.round(monitor.wheel.lateMsMax),
      lateMsMean: Number((monitor.wheel.lateMsSum / Math.max(1, monitor.wheel.started)).toFixed(2)),
      openIncidents: monitor.book.openCount,
    });
    stop = async () => {
      await monitor.stop();
      redis.disconnect();
    };
  }

  // Warm up one cycle (+10 %), then measure three cycles; faults are injected at random times
  // during the first measured cycle (fake endpoints only).
  await sleep(CYCLE * 1.1);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  starts.length = 0;
  if (mode !== "wheel-tcp") {
    const victims = [...ids].sort(() => Math.random() - 0.5).slice(0, FAULTS);
    for (const id of victims) {
      setTimeout(() => {
        up.set(id, false);
        faultAt.set(id, performance.now());
      }, Math.random() * CYCLE);
    }
  }
  await sleep(CYCLE * 3);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const windows = new Map<number, number>();
  for (const s of starts) {
    const w = Math.floor((s - t0) / 100);
    windows.set(w, (windows.get(w) ?? 0) + 1);
  }
  const perWindow = [...windows.values()];
  const sorted = [...detected].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted.length
      ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0)
      : null;
  const result = {
    mode,
    targets: N,
    cycleMs: CYCLE,
    probesPerSecond: Math.round((starts.length / wall) * 1000),
    cpuCores: Number(((cpu.user + cpu.system) / 1000 / wall).toFixed(3)),
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    eventLoopP99Ms: Number((loop.percentile(99) / 1e6).toFixed(1)),
    eventLoopMaxMs: Number((loop.max / 1e6).toFixed(1)),
    burstMaxPer100ms: Math.max(0, ...perWindow),
    meanPer100ms: Math.round(starts.length / (wall / 100)),
    faults: mode === "wheel-tcp" ? 0 : FAULTS,
    detected: detected.length,
    detectP50Ms: pct(0.5),
    detectP95Ms: pct(0.95),
    detectMaxMs: sorted.length ? Math.round(sorted[sorted.length - 1] ?? 0) : null,
    detectedWithinTwoCycles: detected.filter((d) => d <= 2 * CYCLE).length,
    ...wheelStats(),
  };
  await stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await main();
