import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { HealthMonitor, type WatchResponse } from "@vis/proto/vis/health/v1/monitor_pb";
import {
  IncidentState,
  ProbeProtocol,
  RollupLevel,
  State,
  TargetKind,
} from "@vis/proto/vis/health/v1/status_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// Issue #7 end to end: the health service as a process on real NATS and Redis, probing a real
// simulator's cameras over HTTP-FLV and its RTMP server by handshake, with a 1 s probe cycle.
const CYCLE_MS = 1000;

interface Hook {
  status: number;
  body: { event: string; id: string; incident: { id: string; timeToRepairMs?: string } };
  headers: IncomingHttpHeaders;
}

let nats: NatsServer;
let redis: RedisServer;
let sim: Simulator;
let health: ServiceProcess;
let client: RpcClient<typeof HealthMonitor>;
let receiver: Server;
let webhookUrl = "";
const hooks: Hook[] = [];
let failHooks = 2;

const env = () => ({
  ...serviceEnv(nats, redis, `${makeTempDir("health-e2e")}/spans.jsonl`),
  VIS_HEALTH_CYCLE_MS: String(CYCLE_MS),
  VIS_HEALTH_TIMEOUT_MS: "400",
  VIS_HEALTH_CONFIRM_MS: "200",
  VIS_HEALTH_WEBHOOK_URLS: webhookUrl,
  VIS_HEALTH_WEBHOOK_BACKOFF_MS: "200",
  VIS_HEALTH_REGISTRY: "false",
});
const startHealth = () =>
  startServiceProcess({ name: "health", entry: serviceEntry("health"), env: env() });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      const status = failHooks-- > 0 ? 500 : 200;
      hooks.push({ status, body: JSON.parse(text) as Hook["body"], headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  [nats, redis, sim] = await Promise.all([
    startNats(),
    startRedis(),
    startSimulator({ cameras: 2 }),
  ]);
  health = await startHealth();
  client = createRpcClient(HealthMonitor, { address: String(health.ready.grpc) });
});

afterAll(async () => {
  client?.close();
  await health?.stop();
  await sim?.close();
  await Promise.allSettled([nats?.stop(), redis?.stop()]);
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

const statusOf = async (id: string) =>
  (await client.listStatus({ filter: { targetIds: [id] } })).statuses[0];
const millis = (t: { seconds: bigint; nanos: number } | undefined) =>
  t ? timestampDate(t as never).getTime() : 0;

describe("health monitor: probes, incidents, restart, alerts", () => {
  it("refuses a bad target with invalid_argument naming the field", async () => {
    const bad = client.upsertTargets({
      targets: [
        {
          id: "cam-x",
          kind: TargetKind.CAMERA,
          protocol: ProbeProtocol.HTTP_FLV,
          url: "rtsp://127.0.0.1:1/x",
        },
      ],
    });
    await expect(bad).rejects.toMatchObject({ code: "invalid_argument", field: "targets[0].url" });
    const noKind = client.upsertTargets({
      targets: [{ id: "cam-y", protocol: ProbeProtocol.TCP, url: "tcp://127.0.0.1:1" }],
    });
    await expect(noKind).rejects.toBeInstanceOf(VisError);
    await expect(noKind).rejects.toMatchObject({
      code: "invalid_argument",
      field: "targets[0].kind",
    });
  });

  it("a stopped camera is offline within two probe cycles, an incident opens, survives a restart, and closes with its time-to-repair", async () => {
    const common = { systemId: "sys-a", agencyId: "ag-1", district: "wujin", operator: "op-1" };
    await client.upsertTargets({
      targets: [
        ...sim.cameras.map((c) => ({
          ...common,
          id: c.id,
          name: c.id,
          kind: TargetKind.CAMERA,
          protocol: ProbeProtocol.HTTP_FLV,
          url: c.httpFlvUrl,
        })),
        {
          ...common,
          id: "endpoint:nvr-1",
          kind: TargetKind.ENDPOINT,
          protocol: ProbeProtocol.RTMP,
          url: sim.rtmpUrl,
        },
      ],
    });
    await eventually("all three targets online", async () => {
      const { statuses } = await client.listStatus({});
      return statuses.length === 3 && statuses.every((s) => s.state === State.ONLINE);
    });

    const abort = new AbortController();
    const changes: WatchResponse[] = [];
    const watching = (async () => {
      const stream = client.watch(
        { filter: { systemId: "sys-a" } },
        { deadlineMs: 120_000, signal: abort.signal },
      );
      for await (const c of stream) changes.push(c);
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));

    await sim.stopCamera("cam-002");
    const stoppedAt = Date.now();
    await eventually(
      "cam-002 offline",
      async () => (await statusOf("cam-002"))?.state === State.OFFLINE,
    );
    const offline = await statusOf("cam-002");
    expect(offline?.reason).toMatch(/HTTP 503|FLV|connect|closed/);
    // Detection within two configured probe cycles of the fault.
    expect(millis(offline?.since) - stoppedAt).toBeLessThanOrEqual(2 * CYCLE_MS);
    expect((await statusOf("cam-001"))?.state).toBe(State.ONLINE);

    const open = await client.listIncidents({ state: IncidentState.OPEN });
    expect(open.incidents).toHaveLength(1);
    const incident = open.incidents[0];
    expect(incident?.targetId).toBe("cam-002");
    expect(incident?.severity).toBe(State.OFFLINE);
    expect(incident?.operator).toBe("op-1");
    expect(Number(incident?.timeToDetectMs)).toBeLessThanOrEqual(2 * CYCLE_MS + 400);
    expect((await statusOf("cam-002"))?.incidentId).toBe(incident?.id);

    const [system] = (await client.getRollup({ level: RollupLevel.SYSTEM, key: "sys-a" })).rollups;
    expect(system).toMatchObject({ total: 3, online: 2, offline: 1, openIncidents: 1 });
    const [district] = (await client.getRollup({ level: RollupLevel.DISTRICT })).rollups;
    expect(district?.key).toBe("wujin");
    expect(district?.availability?.hour).toBeLessThan(1);

    await eventually(
      "Watch to carry the offline change and the opened incident",
      () =>
        changes.some(
          (c) => c.change.case === "status" && c.change.value.status?.state === State.OFFLINE,
        ) &&
        changes.some(
          (c) => c.change.case === "incident" && c.change.value.incident?.id === incident?.id,
        ),
    );
    abort.abort();
    await watching;

    // Restart the health service while the incident is open: it must keep it, not open a second.
    expect((await health.stop()).code).toBe(0);
    client.close();
    health = await startHealth();
    client = createRpcClient(HealthMonitor, { address: String(health.ready.grpc) });
    const kept = await client.listIncidents({ state: IncidentState.OPEN });
    expect(kept.incidents.map((i) => i.id)).toEqual([incident?.id]);
    expect((await statusOf("cam-002"))?.state).toBe(State.OFFLINE);
    await new Promise((r) => setTimeout(r, 2 * CYCLE_MS));
    expect(
      (await client.listIncidents({ state: IncidentState.OPEN })).incidents.map((i) => i.id),
    ).toEqual([incident?.id]);

    await sim.startCamera("cam-002");
    const restartedAt = Date.now();
    await eventually(
      "the incident to close",
      async () =>
        (await client.listIncidents({ state: IncidentState.OPEN })).incidents.length === 0,
    );
    const [closed] = (
      await client.listIncidents({ state: IncidentState.CLOSED, targetId: "cam-002" })
    ).incidents;
    expect(closed?.id).toBe(incident?.id);
    const ttr = Number(closed?.timeToRepairMs);
    expect(ttr).toBe(millis(closed?.closedAt) - millis(closed?.detectedAt));
    expect(ttr).toBeGreaterThan(restartedAt - stoppedAt - 2 * CYCLE_MS);
    expect((await statusOf("cam-002"))?.state).toBe(State.ONLINE);
  });

  it("sends incident alerts to the webhook, retrying failed deliveries with the same idempotency key", async () => {
    await eventually(
      "the opened and closed alerts delivered",
      () =>
        ["incident.opened", "incident.closed"].every((e) =>
          hooks.some((h) => h.body.event === e && h.status === 200),
        ),
      30_000,
    );
    const opened = hooks.filter((h) => h.body.event === "incident.opened");
    // The first two deliveries were refused with 500; the alert came through on a retry.
    expect(opened.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(new Set(opened.map((h) => h.headers["idempotency-key"])).size).toBe(1);
    // JetStream counts the deliveries (the redeliveries outlive the restart in between).
    expect(Number(opened[2]?.headers["x-vis-attempt"])).toBeGreaterThanOrEqual(2);
    const closed = hooks.find((h) => h.body.event === "incident.closed" && h.status === 200);
    expect(Number(closed?.body.incident.timeToRepairMs)).toBeGreaterThan(0);
  });

  it("the vis CLI shows incidents with their time-to-repair and the roll-up per district", async () => {
    const vis = (...args: string[]) =>
      runToExit({
        entry: `${repoRoot()}/tools/cli/src/main.ts`,
        args: [...args, "--health", String(health.ready.grpc), "--json"],
      });
    const incidents = await vis("incidents", "--state", "closed");
    expect(incidents.code).toBe(0);
    const list = JSON.parse(incidents.stdout) as { targetId: string; timeToRepairMs: string }[];
    expect(list.map((i) => i.targetId)).toEqual(["cam-002"]);
    expect(Number(list[0]?.timeToRepairMs)).toBeGreaterThan(0);
    const rollup = await vis("health-status", "--rollup", "district");
    expect(JSON.parse(rollup.stdout)).toMatchObject([{ key: "wujin", total: 3, online: 3 }]);
    const bad = await vis("health-status", "--state", "sleepy");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      error: { code: "invalid_argument", field: "--state" },
    });
  });

  it("serves Prometheus metrics for targets, probes and incidents", async () => {
    const text = await (await fetch(String(health.ready.metrics))).text();
    expect(text).toMatch(/vis_health_targets\{[^}]*state="online"[^}]*\} 3/);
    expect(text).toMatch(/vis_health_probes_total\{[^}]*result="ok"/);
  });
});
