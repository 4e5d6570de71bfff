import { join } from "node:path";
import { type Simulator, startSimulator } from "@vis/simulator";
import { makeTempDir, type RedisServer, startRedis } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskGuard } from "../../../libs/archive/src/index.ts";
import { Recorder, type RecorderOptions } from "../../../services/gateway/src/archive/recorder.ts";
import { type ArchiveFixture, startArchiveEdge } from "./archive-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// Recording faults with a real camera: the source stops (a gap, reported), the disk is "full"
// by the guard's threshold (recording stops and alerts, nothing stored is touched).
describe("hub archive: gaps and a full disk", () => {
  let sim: Simulator;
  let redis: RedisServer;
  let edge: ArchiveFixture;
  const stoppers: Recorder[] = [];

  beforeAll(async () => {
    [sim, redis] = await Promise.all([
      startSimulator({ cameras: 2 }),
      startRedis({ appendonly: false }),
    ]);
    edge = await startArchiveEdge(join(makeTempDir("archive-gaps"), "store"), redis.url, {
      archivedByHub: () => true,
      playbackTemplate: () => undefined,
    });
  });
  afterAll(async () => {
    await Promise.all(stoppers.map((r) => r.stop()));
    await edge?.close();
    await Promise.all([sim?.close(), redis?.stop()]);
  });

  const recorder = (camera: string, disk: DiskGuard, events: RecorderOptions["events"]) => {
    const r = new Recorder({
      camera,
      source: `${sim.rtmpUrl}/${camera}`,
      archive: edge.archive,
      disk,
      segmentMs: 2000,
      gapToleranceMs: 1000,
      ffmpegPath: "ffmpeg",
      stallTimeoutMs: 2000,
      backoffInitialMs: 200,
      backoffMaxMs: 500,
      events,
    });
    stoppers.push(r);
    r.start();
    return r;
  };

  it("a source outage becomes a reported gap, and the window plan shows the same hole", async () => {
    const gaps: { from: number; to: number }[] = [];
    const r = recorder("cam-001", new DiskGuard(() => edge.archive.store.freeBytes(), 1), {
      gap: (_c, from, to) => gaps.push({ from, to }),
    });
    await eventually("2 segments", () => r.segments >= 2, 30_000);
    const stoppedAt = Date.now();
    await sim.stopCamera("cam-001");
    await new Promise((ok) => setTimeout(ok, 5000));
    await sim.startCamera("cam-001");
    await eventually("a gap reported", () => gaps.length > 0, 30_000);
    const gap = gaps[0] as { from: number; to: number };
    expect(gap.to - gap.from).toBeGreaterThanOrEqual(4000);
    expect(gap.from).toBeLessThanOrEqual(stoppedAt + 2500);
    const plan = await edge.archive.plan("cam-001", gap.from - 4000, gap.to + 1000);
    expect(plan.gaps).toHaveLength(1);
    expect(plan.gaps[0]?.fromMs).toBe(gap.from);
    expect(plan.gaps[0]?.toMs).toBe(gap.to);
    expect(await edge.archive.verify("cam-001")).toEqual([]);
  });

  it("under the free-space floor, recording halts with an alert and stores nothing; nothing is deleted", async () => {
    const before = await edge.archive.index.all("cam-001");
    const free = (await edge.archive.store.freeBytes()) ?? 0;
    const halted: string[] = [];
    const r = recorder("cam-002", new DiskGuard(() => edge.archive.store.freeBytes(), free * 4), {
      halted: (_c, reason) => halted.push(reason),
    });
    await eventually("halted", () => halted.length > 0, 30_000);
    expect(halted[0]).toMatch(/disk full/);
    await new Promise((ok) => setTimeout(ok, 2500));
    expect(r.segments).toBe(0);
    expect(await edge.archive.index.all("cam-002")).toEqual([]);
    expect((await edge.archive.index.all("cam-001")).slice(0, before.length)).toEqual(before);
    expect(await edge.archive.verify("cam-001")).toEqual([]);
  });
});
