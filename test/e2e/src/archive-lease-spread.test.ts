import { type Simulator, startSimulator } from "@vis/simulator";
import {
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
import { preferredRecorder } from "../../../services/gateway/src/archive/recorder-ring.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

const TTL = 3000;
const CAMERAS = ["cam-001", "cam-002", "cam-003", "cam-004"];

// Three gateway processes, four hub-archived cameras, one shared store: when a gateway dies, each
// of its cameras goes to the survivor that ranks first for it (rendezvous over the live
// recorders), not to whichever ticks first; the other cameras stay where they are.
describe("recording spread across gateways", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let client: Redis;
  let archive: Archive;
  let dir: string;
  const gateways: ServiceProcess[] = [];
  const ownerOf = new Map<ServiceProcess, string>();

  const startGateway = async (name: string) => {
    const g = await startServiceProcess({
      name,
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/${name}.spans.jsonl`),
        VIS_PLAY_PORT: "0",
        VIS_PULL_SOURCE_TEMPLATE: `${sim.rtmpUrl}/{camera}`,
        VIS_ARCHIVE_DIR: `${dir}/archive`,
        VIS_ARCHIVE_CAMERAS: CAMERAS.join(","),
        VIS_ARCHIVE_MIN_FREE_MB: "1",
        VIS_ARCHIVE_LEASE_TTL_MS: String(TTL),
      },
    });
    gateways.push(g);
    await g.waitForLog((l) => l.event === "archive_listening", 30_000);
    const id = g.logs.find((l) => typeof l.instance === "string")?.instance;
    ownerOf.set(g, String(id));
    return g;
  };
  const holders = async () => {
    const values = await client.mget(CAMERAS.map((c) => `vis:archive:lease:${c}`));
    return new Map(CAMERAS.map((c, i) => [c, values[i] ?? undefined]));
  };

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: CAMERAS.length }),
    ]);
    dir = makeTempDir("archive-spread");
    client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
    archive = new Archive({
      store: new FsSegmentStore(`${dir}/archive`),
      index: new TimeIndex(client),
      retentionDays: async () => 30,
    });
    await Promise.all(["gateway-a", "gateway-b", "gateway-c"].map(startGateway));
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop().catch(() => undefined);
    client?.disconnect();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  it("a dead gateway's cameras go to the first-ranked survivor each", async () => {
    await eventually(
      "every camera recorded, three recorders in the ring",
      async () =>
        [...(await holders()).values()].every((h) => h !== undefined) &&
        (await client.zrangebyscore("vis:archive:recorders", `(${Date.now()}`, "+inf")).length ===
          3,
      20_000,
    );
    const before = await holders();
    const counts = new Map<string, number>();
    for (const h of before.values()) counts.set(h as string, (counts.get(h as string) ?? 0) + 1);
    const victimId = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const victim = gateways.find((g) => ownerOf.get(g) === victimId) as ServiceProcess;
    const survivors = gateways.filter((g) => g !== victim).map((g) => ownerOf.get(g) as string);
    const moved = CAMERAS.filter((c) => before.get(c) === victimId);
    console.log(
      `before: ${JSON.stringify(Object.fromEntries(before))}; killing ${victimId} (${moved.join(",")})`,
    );
    await victim.kill();
    await eventually(
      "the dead gateway's cameras taken over",
      async () => {
        const now = await holders();
        return moved.every((c) => now.get(c) !== undefined && now.get(c) !== victimId);
      },
      4 * TTL,
    );
    const after = await holders();
    console.log(`after: ${JSON.stringify(Object.fromEntries(after))}`);
    for (const c of moved) expect(after.get(c), c).toBe(preferredRecorder(c, survivors));
    for (const c of CAMERAS.filter((x) => !moved.includes(x))) {
      expect(after.get(c), c).toBe(before.get(c));
    }
    // every camera's chain: one writer at a time (no overlapping spans), and it verifies
    await new Promise((ok) => setTimeout(ok, 5000));
    for (const cam of CAMERAS) {
      const segs = (await archive.records(cam)).filter((r) => r.kind === "segment");
      for (let i = 1; i < segs.length; i++) {
        const prev = segs[i - 1] as ManifestRecord;
        expect((segs[i] as ManifestRecord).startMs, cam).toBeGreaterThanOrEqual(prev.endMs);
      }
    }
    for (const g of gateways.filter((x) => x !== victim)) await g.stop();
    for (const cam of CAMERAS) expect(await archive.verify(cam), cam).toEqual([]);
  });
});
