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
import {
  Archive,
  FsSegmentStore,
  type ManifestRecord,
  TimeIndex,
} from "../../../libs/archive/src/index.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

const TTL = 3000;
const TICK = TTL / 3;
const CAMERA = "cam-001";

const at = (l: LogLine) => Date.parse(String(l.time));
const isEvent = (event: string) => (l: LogLine) => l.event === event && l.camera === CAMERA;

/** Segment records in chain order: no two spans overlap (one writer at a time). */
function expectNoOverlap(records: readonly ManifestRecord[]): void {
  const segs = records.filter((r) => r.kind === "segment");
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1] as ManifestRecord;
    const cur = segs[i] as ManifestRecord;
    expect(cur.startMs, `${cur.key} starts before ${prev.key} ends`).toBeGreaterThanOrEqual(
      prev.endMs,
    );
  }
  expect(new Set(segs.map((r) => r.key)).size).toBe(segs.length);
}

/**
 * `verify` with no problems. A recorder is running, so a segment may be stored and its record not
 * yet written for a moment: look again until it is linked (a segment left unlinked stays named).
 */
async function expectChainVerifies(archive: Archive): Promise<void> {
  let problems = await archive.verify(CAMERA);
  for (let i = 0; i < 20 && problems.length > 0; i++) {
    if (problems.some((p) => p.problem !== "segment_unlinked")) break;
    await new Promise((ok) => setTimeout(ok, 250));
    problems = await archive.verify(CAMERA);
  }
  expect(problems).toEqual([]);
}

// Two real gateway processes share one store (a folder standing in for shared storage), one Redis
// and the same hub-archived simulator camera: one recording lease, so one recorder at a time.
describe("recording lease across gateways", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let client: Redis;
  let archive: Archive;
  let dir: string;
  const gateways: ServiceProcess[] = [];
  let owner: ServiceProcess;
  let other: ServiceProcess;

  const startGateway = async (name: string) => {
    const g = await startServiceProcess({
      name,
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/${name}.spans.jsonl`),
        VIS_PLAY_PORT: "0",
        VIS_PULL_SOURCE_TEMPLATE: `${sim.rtmpUrl}/{camera}`,
        VIS_ARCHIVE_DIR: `${dir}/archive`,
        VIS_ARCHIVE_CAMERAS: CAMERA,
        VIS_ARCHIVE_SEGMENT_MS: "2000",
        VIS_ARCHIVE_MIN_FREE_MB: "1",
        VIS_ARCHIVE_GAP_TOLERANCE_MS: "1000",
        VIS_ARCHIVE_LEASE_TTL_MS: String(TTL),
      },
    });
    gateways.push(g);
    await g.waitForLog((l) => l.event === "archive_listening", 20_000);
    return g;
  };

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    dir = makeTempDir("archive-lease");
    client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
    archive = new Archive({
      store: new FsSegmentStore(`${dir}/archive`),
      index: new TimeIndex(client),
      retentionDays: async () => 30,
    });
    // both at once: they race for the lease
    const [a, b] = await Promise.all([startGateway("gateway-a"), startGateway("gateway-b")]);
    const holders = [a, b].filter((g) => g.logs.some(isEvent("archive_lease_acquired")));
    expect(holders).toHaveLength(1);
    owner = holders[0] as ServiceProcess;
    other = owner === a ? b : a;
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop().catch(() => undefined);
    client?.disconnect();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  it("exactly one gateway records the camera; the chain has no overlapping spans", async () => {
    await eventually(
      "segments stored",
      async () => (await archive.records(CAMERA)).length >= 4,
      20_000,
    );
    // several lease-attempt ticks later the other gateway still has not taken it
    await new Promise((ok) => setTimeout(ok, 4 * TICK));
    const acquired = owner.logs.find(isEvent("archive_lease_acquired")) as LogLine;
    expect(await client.get(`vis:archive:lease:${CAMERA}`)).toBe(acquired.owner);
    expect(other.logs.some(isEvent("archive_lease_acquired"))).toBe(false);
    expect(owner.logs.some(isEvent("archive_lease_lost"))).toBe(false);
    const recording = owner.logs.filter((l) => l.event === "archive_recording").at(-1);
    expect(recording?.cameras).toEqual([CAMERA]);
    const records = await archive.records(CAMERA);
    expectNoOverlap(records);
    await expectChainVerifies(archive);
  });

  it("the owner killed: the other takes over within a ttl and a tick, and the gap is recorded", async () => {
    const killedAt = Date.now();
    await owner.kill();
    const lastByOwner = (await archive.records(CAMERA)).at(-1) as ManifestRecord;
    const taken = await other.waitForLog(isEvent("archive_lease_acquired"), 3 * TTL);
    const takeoverMs = at(taken) - killedAt;
    console.log(`takeover after kill: ${takeoverMs} ms (ttl ${TTL}, tick ${TICK})`);
    // not before the killed owner's lease could have expired, and within ttl + one tick
    expect(takeoverMs).toBeGreaterThan(TTL / 3);
    expect(takeoverMs).toBeLessThanOrEqual(TTL + TICK + 500);
    const gap = await other.waitForLog(isEvent("recording_gap"), 20_000);
    console.log(`recording gap at takeover: ${Number(gap.to) - Number(gap.from)} ms`);
    expect(gap.from).toBe(lastByOwner.endMs);
    expect(Number(gap.to)).toBeGreaterThan(killedAt);
    await eventually(
      "the new owner's segments stored",
      async () => (await archive.records(CAMERA)).filter((r) => r.startMs > killedAt).length >= 2,
      20_000,
    );
    const records = await archive.records(CAMERA);
    expectNoOverlap(records);
    await expectChainVerifies(archive);
    // the window across the kill shows the gap, from the shared index
    const plan = await archive.plan(CAMERA, records[0]?.startMs ?? 0, Date.now() - 3000);
    expect(
      plan.gaps.some((g) => g.fromMs <= killedAt && g.toMs >= killedAt),
      JSON.stringify(plan.gaps),
    ).toBe(true);
    owner = other;
  });

  it("a clean stop releases the lease: a waiting gateway takes over within a tick", async () => {
    const waiting = await startGateway("gateway-c");
    await new Promise((ok) => setTimeout(ok, 3 * TICK));
    expect(waiting.logs.some(isEvent("archive_lease_acquired"))).toBe(false);
    await owner.stop();
    const released = owner.logs.find(isEvent("archive_lease_released")) as LogLine;
    expect(released).toBeDefined();
    const taken = await waiting.waitForLog(isEvent("archive_lease_acquired"), 3 * TTL);
    const handoverMs = at(taken) - at(released);
    console.log(`takeover after release: ${handoverMs} ms (tick ${TICK})`);
    expect(handoverMs).toBeGreaterThanOrEqual(0);
    expect(handoverMs).toBeLessThanOrEqual(TICK + 500);
    await eventually(
      "the third gateway's segments stored",
      async () => (await archive.records(CAMERA)).filter((r) => r.startMs > at(taken)).length >= 2,
      20_000,
    );
    const records = await archive.records(CAMERA);
    expectNoOverlap(records);
    await expectChainVerifies(archive);
  });
});
