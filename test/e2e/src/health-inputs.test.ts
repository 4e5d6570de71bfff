import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { GatewayStreamStatsSchema, UpstreamState } from "@vis/proto/vis/health/v1/events_pb";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { ProbeProtocol, State, TargetKind, TargetOrigin } from "@vis/proto/vis/health/v1/status_pb";
import { EndpointProtocol, Lifecycle, StreamProtocol } from "@vis/proto/vis/registry/v1/model_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
import { type Simulator, startSimulator } from "@vis/simulator";
import { makeTempDir, type ServiceProcess, startServiceProcess } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";
import {
  actor,
  cameraInit,
  type RegistryHub,
  refusal,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// The monitor's inputs besides its own probes, end to end: targets from the real registry's events,
// gateway stream stats on core NATS, and status reported by a connected system.
let hub: RegistryHub;
let sim: Simulator;
let health: ServiceProcess;
let client: RpcClient<typeof HealthMonitor>;
let nc: NatsConnection;
let cameraId = "";
let endpointId = "";
let operatorId = "";

beforeAll(async () => {
  [hub, sim] = await Promise.all([startRegistryHub(), startSimulator({ cameras: 1 })]);
  health = await startServiceProcess({
    name: "health",
    entry: serviceEntry("health"),
    env: {
      ...serviceEnv(hub.nats, hub.redis, `${makeTempDir("health-inputs")}/spans.jsonl`),
      VIS_LOG_LEVEL: "info",
      VIS_HEALTH_CYCLE_MS: "1000",
      VIS_HEALTH_TIMEOUT_MS: "400",
      VIS_HEALTH_CONFIRM_MS: "200",
    },
  });
  client = createRpcClient(HealthMonitor, { address: String(health.ready.grpc) });
  nc = await connect({ servers: hub.nats.url });
  const ag = await seedAgencies(hub.client, "xinbei");
  operatorId = ag.operator?.id ?? "";
  await hub.client.createSystem({
    system: systemInit({
      id: "mall",
      ownerAgencyId: operatorId,
      status: Lifecycle.IN_SERVICE,
      acceptedDate: "2025-01-01",
    }),
    actor,
  });
  const cam = sim.cameras[0];
  const { camera } = await hub.client.createCamera({
    camera: cameraInit("mall", "Mall gate", {
      liveSources: [{ url: cam?.httpFlvUrl ?? "", protocol: StreamProtocol.HTTP_FLV }],
    }),
    actor,
  });
  cameraId = camera?.id ?? "";
  const port = new URL(sim.rtmpUrl).port;
  const { endpoint } = await hub.client.createEndpoint({
    endpoint: {
      systemId: "mall",
      protocol: EndpointProtocol.RTMP,
      address: `127.0.0.1:${port}`,
      probe: { enabled: true, intervalSeconds: 1, timeoutMs: 500 },
    },
    actor,
  });
  endpointId = `endpoint:${endpoint?.id}`;
});

afterAll(async () => {
  client?.close();
  await nc?.close();
  await health?.stop();
  await sim?.close();
  await hub?.stop();
});

const statusOf = async (id: string) =>
  (await client.listStatus({ filter: { targetIds: [id] } })).statuses[0];

function publishStats(fps: number, upstream = UpstreamState.UP): void {
  const msg = create(GatewayStreamStatsSchema, {
    cameraId,
    gatewayInstance: "gateway-test",
    fps,
    bitrateKbps: 900,
    viewers: 1,
    upstream,
    upstreamError: upstream === UpstreamState.FAILED ? "ffmpeg exited 1" : "",
    time: timestampNow(),
  });
  nc.publish("vis.gateway.stream.stats", toBinary(GatewayStreamStatsSchema, msg));
}

describe("health monitor inputs", () => {
  it("watches the registry's cameras and endpoints, with system, agency, district and operator", async () => {
    await eventually(
      "the camera and the endpoint online",
      async () =>
        (await statusOf(cameraId))?.state === State.ONLINE &&
        (await statusOf(endpointId))?.state === State.ONLINE,
      30_000,
    );
    const { targets } = await client.listTargets({ origin: TargetOrigin.REGISTRY });
    const cam = targets.find((t) => t.id === cameraId);
    expect(cam).toMatchObject({
      kind: TargetKind.CAMERA,
      protocol: ProbeProtocol.HTTP_FLV,
      systemId: "mall",
      agencyId: operatorId,
      operator: operatorId,
      district: "xinbei",
    });
    expect(targets.find((t) => t.id === endpointId)).toMatchObject({
      kind: TargetKind.ENDPOINT,
      protocol: ProbeProtocol.RTMP,
      probe: { intervalSeconds: 1, timeoutMs: 500, disabled: false },
    });
    // A registry target is changed in the registry, not here.
    const e = await refusal(() =>
      client.upsertTargets({
        targets: [
          {
            id: cameraId,
            kind: TargetKind.CAMERA,
            protocol: ProbeProtocol.TCP,
            url: "tcp://127.0.0.1:1",
          },
        ],
      }),
    );
    expect(e).toMatchObject({ code: "failed_precondition", field: "targets[0].id" });
  });

  it("gateway stream stats with low fps degrade the camera; good stats bring it back", async () => {
    await eventually("degraded by the gateway's fps", async () => {
      publishStats(2);
      const s = await statusOf(cameraId);
      return s?.state === State.DEGRADED && /gateway fps 2\.0 < 5/.test(s.reason);
    });
    await eventually("online with good stats", async () => {
      publishStats(25);
      return (await statusOf(cameraId))?.state === State.ONLINE;
    });
    await eventually(
      "a failed upstream is a degradation while the probe still passes",
      async () => {
        publishStats(0, UpstreamState.FAILED);
        const s = await statusOf(cameraId);
        return s?.state === State.DEGRADED && /ffmpeg exited 1/.test(s.reason);
      },
    );
    publishStats(25);
  });

  it("takes status reported by the camera's own system, and refuses reports about others' targets", async () => {
    await eventually("online again", async () => {
      publishStats(25);
      return (await statusOf(cameraId))?.state === State.ONLINE;
    });
    const res = await client.reportStatus({
      systemId: "mall",
      reports: [{ targetId: cameraId, recordingGapSeconds: 600 }],
    });
    expect(res.accepted).toBe(1);
    const s = await statusOf(cameraId);
    expect(s?.state).toBe(State.DEGRADED);
    expect(s?.reason).toContain("recording gap 600 s");
    const other = await refusal(() =>
      client.reportStatus({ systemId: "other", reports: [{ targetId: cameraId }] }),
    );
    expect(other).toMatchObject({ code: "permission_denied", field: "reports[0].target_id" });
    const unknown = await refusal(() =>
      client.reportStatus({ systemId: "mall", reports: [{ targetId: "nope" }] }),
    );
    expect(unknown).toMatchObject({ code: "not_found", field: "reports[0].target_id" });
  });

  it("stops watching a camera the registry dismantles", async () => {
    const { camera } = await hub.client.getCamera({ id: cameraId });
    await hub.client.dismantleCamera({
      id: cameraId,
      dismantledDate: "2026-11-29",
      expectedVersion: camera?.version ?? 0n,
      actor,
    });
    await eventually(
      "the camera gone from the monitor",
      async () => (await statusOf(cameraId)) === undefined,
    );
    expect((await statusOf(endpointId))?.state).toBe(State.ONLINE);
  });
});
