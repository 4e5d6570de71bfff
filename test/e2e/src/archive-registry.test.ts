import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { Lifecycle, StreamProtocol } from "@vis/proto/vis/registry/v1/model_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
import { type Simulator, startSimulator } from "@vis/simulator";
import { makeTempDir, type ServiceProcess, startServiceProcess } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";
import {
  actor,
  cameraInit,
  type RegistryHub,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// The archive driven by the real registry (which cameras the hub records, each system's retention)
// and reporting recording gaps to the real health monitor, all as processes.
describe("hub archive with the registry and the health monitor", () => {
  let hub: RegistryHub;
  let sim: Simulator;
  let health: ServiceProcess;
  let gateway: ServiceProcess;
  let healthClient: RpcClient<typeof HealthMonitor>;
  let archiveUrl = "";
  let recorded = "";
  let pulled = "";
  const dir = makeTempDir("archive-registry");

  beforeAll(async () => {
    [hub, sim] = await Promise.all([startRegistryHub(), startSimulator({ cameras: 2 })]);
    health = await startServiceProcess({
      name: "health",
      entry: serviceEntry("health"),
      env: {
        ...serviceEnv(hub.nats, hub.redis, join(dir, "health.jsonl")),
        VIS_LOG_LEVEL: "info",
        // health's threshold for "seconds of recording missing in the last hour" (default 60)
        VIS_HEALTH_MAX_RECORDING_GAP_SECONDS: "3",
      },
    });
    healthClient = createRpcClient(HealthMonitor, { address: String(health.ready.grpc) });
    const ag = await seedAgencies(hub.client, "wujin");
    await hub.client.createSystem({
      system: systemInit({
        id: "mall",
        ownerAgencyId: ag.operator?.id ?? "",
        status: Lifecycle.IN_SERVICE,
        acceptedDate: "2025-01-01",
        retentionDays: 45,
      }),
      actor,
    });
    const [c1, c2] = sim.cameras;
    const a = await hub.client.createCamera({
      camera: cameraInit("mall", "Mall gate", {
        liveSources: [{ url: c1?.rtmpUrl ?? "", protocol: StreamProtocol.RTMP }],
        playback: { source: { case: "archivedByHub", value: true } },
      }),
      actor,
    });
    const b = await hub.client.createCamera({
      camera: cameraInit("mall", "Mall hall", {
        liveSources: [{ url: c2?.rtmpUrl ?? "", protocol: StreamProtocol.RTMP }],
        playback: { source: { case: "urlTemplate", value: c2?.playbackUrlTemplate ?? "" } },
      }),
      actor,
    });
    recorded = a.camera?.id ?? "";
    pulled = b.camera?.id ?? "";
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(hub.nats, hub.redis, join(dir, "gateway.jsonl")),
        VIS_LOG_LEVEL: "info",
        VIS_PLAY_PORT: "0",
        VIS_ARCHIVE_DIR: join(dir, "archive"),
        VIS_ARCHIVE_REGISTRY_ADDRESS: String(hub.proc.ready.grpc),
        VIS_ARCHIVE_HEALTH_ADDRESS: String(health.ready.grpc),
        VIS_ARCHIVE_GAP_TOLERANCE_MS: "1500",
        VIS_PULL_STALL_TIMEOUT_MS: "2000",
        VIS_PULL_BACKOFF_MAX_MS: "1000",
      },
    });
    const listening = await gateway.waitForLog((l) => l.event === "archive_listening", 20_000);
    archiveUrl = String(listening.url);
    expect(listening.cameras).toEqual([recorded]);
  });
  afterAll(async () => {
    healthClient?.close();
    await gateway?.stop();
    await health?.stop();
    await sim?.close();
    await hub?.stop();
  });

  const segmentFiles = () => {
    try {
      // file names (the store keeps them in shard folders)
      return readdirSync(join(dir, "archive", "seg", recorded), { recursive: true })
        .map((n) => basename(String(n)))
        .filter((n) => n.endsWith(".flv"))
        .sort();
    } catch {
      return [];
    }
  };

  it("records only the camera the registry marks 'archived by the hub'", async () => {
    await eventually(
      "segments of the hub-archived camera",
      () => segmentFiles().length >= 2,
      30_000,
    );
    expect(readdirSync(join(dir, "archive", "seg"))).toEqual([recorded]);
    expect(pulled).not.toBe(recorded);
  });

  it("refuses a delete inside the system's 45-day retention", async () => {
    const key = `seg/${recorded}/${segmentFiles()[0]}`;
    const res = await fetch(`${archiveUrl}/archive/segments/${encodeURIComponent(key)}`, {
      method: "DELETE",
    });
    expect(res.status).toBe(412);
    const { error } = (await res.json()) as { error: { message: string; article: string } };
    expect(error.article).toBe("Art. 22(3)");
    expect(error.message).toContain("45-day retention");
  });

  it("a source outage is reported to health as a recording gap of the camera", async () => {
    const reasons: string[] = [];
    await sim.stopCamera("cam-001");
    await new Promise((ok) => setTimeout(ok, 5000));
    await sim.startCamera("cam-001");
    await gateway.waitForLog((l) => l.event === "recording_gap", 30_000);
    await eventually(
      "health shows the gap",
      async () => {
        const s = (await healthClient.listStatus({ filter: { targetIds: [recorded] } }))
          .statuses[0];
        reasons.push(s?.reason ?? "");
        return /recording gap/.test(s?.reason ?? "");
      },
      15_000,
    );
    expect(reasons.at(-1)).toMatch(/recording gap \d+ s/);
  });
});
