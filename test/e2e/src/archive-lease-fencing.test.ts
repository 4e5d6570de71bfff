import { readdirSync } from "node:fs";
import { type Simulator, startSimulator } from "@vis/simulator";
import {
  type LogLine,
  makeTempDir,
  type NatsServer,
  type RedisServer,
  type ServiceProcess,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Archive, FsSegmentStore, TimeIndex } from "../../../libs/archive/src/index.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

const TTL = 3000;
const at = (l: LogLine) => Date.parse(String(l.time));

// Fencing with a real gateway process: Redis frozen (SIGSTOP) longer than the lease ttl. The
// gateway cannot renew, so it stops recording before Redis could hand the camera to anyone else,
// writes nothing while it does not hold the lease, and takes the camera back once Redis answers.
describe("recording lease fencing", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let gateway: ServiceProcess;
  let dir: string;

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    dir = makeTempDir("archive-fencing");
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/gateway.spans.jsonl`),
        VIS_PLAY_PORT: "0",
        VIS_PULL_SOURCE_TEMPLATE: `${sim.rtmpUrl}/{camera}`,
        VIS_ARCHIVE_DIR: `${dir}/archive`,
        VIS_ARCHIVE_CAMERAS: "cam-001",
        VIS_ARCHIVE_MIN_FREE_MB: "1",
        VIS_ARCHIVE_GAP_TOLERANCE_MS: "1000",
        VIS_ARCHIVE_LEASE_TTL_MS: String(TTL),
      },
    });
    await gateway.waitForLog((l) => l.event === "archive_listening", 20_000);
  });
  afterAll(async () => {
    await redis?.kill("SIGCONT").catch(() => undefined);
    await gateway?.stop();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  const segments = () =>
    readdirSync(`${dir}/archive/seg/cam-001`, { recursive: true }).filter((n) =>
      String(n).endsWith(".flv"),
    ).length;

  it("stops writing within the ttl of Redis going silent, and records again after", async () => {
    await eventually("segments stored", () => segments() >= 2, 20_000);
    const frozenAt = Date.now();
    await redis.kill("SIGSTOP");
    const lost = await gateway.waitForLog(
      (l) => l.event === "archive_lease_lost" && l.camera === "cam-001",
      3 * TTL,
    );
    const lostAfter = at(lost) - frozenAt;
    console.log(`lease given up ${lostAfter} ms after Redis went silent (ttl ${TTL})`);
    expect(lostAfter).toBeLessThan(TTL);
    expect(String(lost.reason)).toMatch(/not renewed/);
    // a write that began before the deadline may still finish; after that, nothing is written
    await new Promise((ok) => setTimeout(ok, 500));
    const afterLoss = segments();
    await new Promise((ok) => setTimeout(ok, 2 * TTL));
    expect(segments()).toBe(afterLoss);

    await redis.kill("SIGCONT");
    const again = await gateway.waitForLog(
      (l) => l.event === "archive_lease_acquired" && l.camera === "cam-001" && at(l) > at(lost),
      6 * TTL,
    );
    console.log(`lease taken again ${at(again) - frozenAt} ms after Redis went silent`);
    await eventually("recording again", () => segments() >= afterLoss + 2, 20_000);
    const gap = await gateway.waitForLog(
      (l) => l.event === "recording_gap" && Number(l.to) > frozenAt,
      10_000,
    );
    expect(Number(gap.to) - Number(gap.from)).toBeGreaterThan(2 * TTL);

    await gateway.stop();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
    try {
      const archive = new Archive({
        store: new FsSegmentStore(`${dir}/archive`),
        index: new TimeIndex(client),
        retentionDays: async () => 30,
      });
      expect(await archive.verify("cam-001")).toEqual([]);
      const segs = (await archive.records("cam-001")).filter((r) => r.kind === "segment");
      for (let i = 1; i < segs.length; i++) {
        expect(segs[i]?.startMs).toBeGreaterThanOrEqual(segs[i - 1]?.endMs ?? 0);
      }
    } finally {
      client.disconnect();
    }
  });
});
