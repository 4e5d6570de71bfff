import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstreamManager } from "@nats-io/jetstream";
import { type Bus, connectBus } from "@vis/bus";
import { GrantRevokedEventSchema } from "@vis/proto/vis/access/v1/events_pb";
import {
  GatewayPresenceSchema,
  PlayProtocol,
  PlayRefusedSchema,
  SessionEndedSchema,
  SessionEndReason,
  SessionStartedSchema,
} from "@vis/proto/vis/gateway/v1/events_pb";
import { GatewayStreamStatsSchema, UpstreamState } from "@vis/proto/vis/health/v1/events_pb";
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantIssuer } from "../../../libs/grants/src/index.ts";
import { type AccessStandIn, startAccessStandIn } from "./access-stand-in.ts";
import { mediaTags, readHttpFlv } from "./gateway-fixture.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// The gateway as a service process: grant keys from the authorizer's gRPC API (a stand-in serving
// GetJwks and ListRevocations), session records and refusals on JetStream, revocations and stream
// stats on NATS.
describe("gateway service process", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let access: AccessStandIn;
  let gateway: ServiceProcess;
  let bus: Bus;
  let playUrl: string;
  let issuer: GrantIssuer;
  const seen: { subject: string; msg: unknown; at: number }[] = [];

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    access = await startAccessStandIn([
      {
        grantId: "g-revoked-before",
        grantEndsAt: timestampFromDate(new Date(Date.now() + 3600_000)),
      },
    ]);
    issuer = access.issuer;
    bus = await connectBus({ servers: nats.url, name: "gateway-e2e" });
    for (const [subject, schema] of [
      ["vis.gateway.session.started", SessionStartedSchema],
      ["vis.gateway.session.ended", SessionEndedSchema],
      ["vis.gateway.play.refused", PlayRefusedSchema],
      ["vis.gateway.stream.stats", GatewayStreamStatsSchema],
      ["vis.gateway.node.presence", GatewayPresenceSchema],
    ] as const) {
      bus.subscribeCore(subject, schema, (msg: unknown) => {
        seen.push({ subject, msg, at: Date.now() });
      });
    }
    const dir = makeTempDir("gw-proc");
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(nats, redis, `${dir}/gateway.spans.jsonl`),
        VIS_PLAY_PORT: "0",
        VIS_PULL_SOURCE_TEMPLATE: `${sim.rtmpUrl}/{camera}`,
        VIS_PULL_CAMERAS: "cam-001",
        VIS_AUTH_AUTHORIZER_ADDRESS: access.address,
        VIS_STATS_INTERVAL_MS: "1000",
        VIS_EGRESS_REFUSAL_DELAY_MS: "50",
      },
    });
    const listening = await gateway.waitForLog((l) => l.event === "play_listening", 10_000);
    playUrl = String(listening.url);
  });
  afterAll(async () => {
    await gateway?.stop();
    await bus?.close();
    await access?.close();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  const scope = (grantId: string) => ({
    grantId,
    agencyId: "cz-psb-wujin",
    officers: ["010001", "010002"],
    cameras: ["cam-001"],
    mode: "live" as const,
    action: "view" as const,
    maxSessions: 2,
  });
  const of = (subject: string) => seen.filter((s) => s.subject === subject);

  it("plays with a grant signed by the authorizer's key and records the session on JetStream", async () => {
    const { token } = await issuer.issue(scope("g-proc-1"), { ttlSec: 300 });
    // The keys load in the background after start: retry until they are there.
    await eventually(
      "keys loaded",
      async () =>
        (await readHttpFlv(`${playUrl}/live/cam-001.flv?token=${token}`, 300)).status === 200,
    );
    const r = await readHttpFlv(`${playUrl}/live/cam-001.flv?token=${token}`, 3000);
    expect(r.status).toBe(200);
    expect(mediaTags(r.tags).find((t) => t.kind === "video")?.keyframe).toBe(true);
    await eventually("session events", () => of("vis.gateway.session.ended").length >= 2);
    const ended = of("vis.gateway.session.ended").map(
      (s) =>
        s.msg as {
          reason: number;
          bytes: bigint;
          durationMs: bigint;
          session: { grantId: string; protocol: number; agencyId: string };
        },
    );
    const last = ended.at(-1);
    expect(last?.session.grantId).toBe("g-proc-1");
    expect(last?.session.agencyId).toBe("cz-psb-wujin");
    expect(last?.session.protocol).toBe(PlayProtocol.HTTP_FLV);
    expect(last?.reason).toBe(SessionEndReason.VIEWER_LEFT);
    expect(Number(last?.bytes)).toBeGreaterThan(100_000);
    expect(Number(last?.durationMs)).toBeGreaterThan(2000);
    expect(of("vis.gateway.session.started").length).toBeGreaterThanOrEqual(2);
    const jsm = await jetstreamManager(bus.connection);
    const info = await jsm.streams.info("VIS_GATEWAY");
    expect(info.state.messages).toBeGreaterThanOrEqual(4);
    expect(info.config.deny_delete).toBe(true);
  });

  it("registers refusals, including a grant revoked before the gateway started", async () => {
    const before = of("vis.gateway.play.refused").length;
    const { token } = await issuer.issue(scope("g-revoked-before"), { ttlSec: 300 });
    const r = await readHttpFlv(`${playUrl}/live/cam-001.flv?token=${token}`, 3000);
    expect(r.status).toBe(403);
    const bad = await readHttpFlv(`${playUrl}/live/cam-001.flv?token=forged`, 3000);
    expect(bad.status).toBe(401);
    await eventually(
      "refusals published",
      () => of("vis.gateway.play.refused").length >= before + 2,
    );
    const codes = of("vis.gateway.play.refused")
      .slice(before)
      .map((s) => (s.msg as { code: string }).code);
    expect(codes.sort()).toEqual(["permission_denied", "unauthenticated"]);
  });

  it("ends a session within 1 s of a revocation event on NATS", async () => {
    const { token } = await issuer.issue(scope("g-proc-revoke"), { ttlSec: 300 });
    const start = Date.now();
    const reading = readHttpFlv(`${playUrl}/live/cam-001.flv?token=${token}`, 20_000);
    await eventually("session open", () =>
      of("vis.gateway.session.started").some(
        (s) => (s.msg as { session: { grantId: string } }).session.grantId === "g-proc-revoke",
      ),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const revokedAt = Date.now();
    bus.publishCore("vis.access.grant.revoked", GrantRevokedEventSchema, {
      meta: { id: "rev-1", time: timestampFromDate(new Date()), actor: { service: "authorizer" } },
      grantId: "g-proc-revoke",
      reason: "e2e",
      grantEndsAt: timestampFromDate(new Date(Date.now() + 3600_000)),
    });
    const r = await reading;
    const cutOff = start + (r.closedAtMs ?? 20_000) - revokedAt;
    console.info(`revocation over NATS: session cut ${cutOff} ms after the event was published`);
    expect(cutOff).toBeLessThan(1000);
    await eventually("ended with reason revoked", () =>
      of("vis.gateway.session.ended").some((s) => {
        const m = s.msg as { reason: number; session: { grantId: string } };
        return m.session.grantId === "g-proc-revoke" && m.reason === SessionEndReason.GRANT_REVOKED;
      }),
    );
    const again = await readHttpFlv(`${playUrl}/live/cam-001.flv?token=${token}`, 3000);
    expect(again.status).toBe(403);
  });

  it("announces its presence (play URL, sessions, capacity) for placement", async () => {
    await eventually("presence", () => of("vis.gateway.node.presence").length > 0);
    const p = of("vis.gateway.node.presence").at(-1)?.msg as { playUrl: string; capacity: number };
    expect(p.playUrl).toBe(playUrl);
    expect(p.capacity).toBeGreaterThan(0);
  });

  it("sends stream stats for the health monitor", async () => {
    const stats = of("vis.gateway.stream.stats").map(
      (s) => s.msg as { cameraId: string; upstream: number; bitrateKbps: number; fps: number },
    );
    const up = stats.filter((s) => s.cameraId === "cam-001" && s.upstream === UpstreamState.UP);
    expect(up.length).toBeGreaterThan(0);
    expect(Math.max(...up.map((s) => s.bitrateKbps))).toBeGreaterThan(300);
    expect(Math.max(...up.map((s) => s.fps))).toBeGreaterThan(15);
  });
});
