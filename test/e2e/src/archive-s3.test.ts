import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Simulator, startSimulator } from "@vis/simulator";
import {
  makeTempDir,
  type NatsServer,
  type RedisServer,
  repoRoot,
  runToExit,
  type ServiceProcess,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";
import { Redis } from "ioredis";
import type S3rverType from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Archive, S3SegmentStore, TimeIndex } from "../../../libs/archive/src/index.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// s3rver (a real S3-compatible server, filesystem-backed) is a dev dependency of @vis/archive;
// loaded from there, as this suite reaches the archive's files by path.
const S3rver = createRequire(join(repoRoot(), "libs", "archive", "package.json"))(
  "s3rver",
) as typeof S3rverType;

const SECRET = "e2e-secret-access-key-0f3a";

// The real gateway process with VIS_ARCHIVE_STORE=s3: segments and manifest records land in the
// bucket, the shared Redis index points at them, the chain verifies; no filesystem store, no
// free-space guard.
describe("gateway process recording to an S3-compatible store", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let s3: S3rverType;
  let endpoint: string;
  let gateway: ServiceProcess;
  let client: Redis;
  let dir: string;
  let secretFile: string;

  const s3Env = () => ({
    VIS_ARCHIVE_STORE: "s3",
    VIS_ARCHIVE_S3_ENDPOINT: endpoint,
    VIS_ARCHIVE_S3_BUCKET: "vis-archive",
    VIS_ARCHIVE_S3_ACCESS_KEY_ID: "S3RVER",
    VIS_ARCHIVE_S3_SECRET_FILE: secretFile,
  });

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    dir = makeTempDir("archive-s3");
    s3 = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "vis-archive", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
    secretFile = join(dir, "s3-secret");
    // s3rver checks the access key id, not the signature: any secret will do, and it must not be logged
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/gateway.spans.jsonl`),
        VIS_PLAY_PORT: "0",
        VIS_PULL_SOURCE_TEMPLATE: `${sim.rtmpUrl}/{camera}`,
        ...s3Env(),
        VIS_ARCHIVE_CAMERAS: "cam-001",
        VIS_ARCHIVE_SEGMENT_MS: "2000",
      },
    });
    await gateway.waitForLog((l) => l.event === "archive_listening", 20_000);
  });
  afterAll(async () => {
    await gateway?.stop();
    client?.disconnect();
    await s3?.close();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  it("records into the bucket; the index and the manifest chain agree with it", async () => {
    const chosen = gateway.logs.find((l) => l.event === "archive_store");
    expect(chosen).toMatchObject({
      store: "s3",
      where: `${endpoint}/vis-archive`,
      diskGuard: false,
    });
    expect(JSON.stringify(gateway.logs)).not.toContain(SECRET);
    const store = new S3SegmentStore({
      endpoint,
      bucket: "vis-archive",
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    const archive = new Archive({
      store,
      index: new TimeIndex(client),
      retentionDays: async () => 30,
    });
    const listed = async () => {
      const keys: string[] = [];
      for await (const o of store.list("seg/cam-001/")) keys.push(o.key);
      return keys;
    };
    await eventually("segments in the bucket", async () => (await listed()).length >= 3, 30_000);
    // a clean stop stores the open segment and links it: then bucket and chain match exactly
    await gateway.stop();
    const records = await archive.records("cam-001");
    expect([...(await listed())].sort()).toEqual(records.map((r) => r.key).sort());
    expect(records.length).toBeGreaterThanOrEqual(3);
    const first = await store.get(records[0]?.key ?? "");
    expect(first.subarray(0, 3).toString()).toBe("FLV");
    const indexed = (await archive.index.all("cam-001")).map((r) => r.key);
    expect(indexed).toEqual(records.map((r) => r.key));
    // a window inside the recording plans from the index without gaps
    const from = (records[0]?.startMs ?? 0) + 100;
    const to = (records.at(-1)?.endMs ?? 0) - 100;
    const plan = await archive.plan("cam-001", from, to);
    expect(plan.segments.length).toBeGreaterThanOrEqual(2);
    expect(plan.gaps).toEqual([]);
    expect(await archive.verify("cam-001")).toEqual([]);
  });

  it("refuses to start with the S3 store half configured, naming the field", async () => {
    const r = await runToExit({
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/bad.spans.jsonl`),
        ...s3Env(),
        VIS_ARCHIVE_S3_BUCKET: "",
      },
      timeoutMs: 30_000,
    });
    expect(r.code).not.toBe(0);
    expect(`${r.stderr}${r.stdout}`).toMatch(
      /config archive\.s3Bucket: must be set when archive\.store is s3 \(VIS_ARCHIVE_S3_BUCKET\)/,
    );
  });
});
