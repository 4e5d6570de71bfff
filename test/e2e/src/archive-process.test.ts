import { type Bus, connectBus } from "@vis/bus";
import { ArchiveRefusedSchema, ExportCreatedSchema } from "@vis/proto/vis/archive/v1/events_pb";
import { SessionEndedSchema } from "@vis/proto/vis/gateway/v1/events_pb";
import { type Simulator, startSimulator } from "@vis/simulator";
import {
  type NatsServer,
  type RedisServer,
  type ServiceProcess,
  startNats,
  startRedis,
} from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantIssuer } from "../../../libs/grants/src/index.ts";
import { type AccessStandIn, startAccessStandIn } from "./access-stand-in.ts";
import { startArchiveGateway } from "./archive-gateway-fixture.ts";
import { mediaTags, readHttpFlv } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// The archive inside the real gateway process: it records a simulator camera, plays a window with a
// recorded grant (keys from an authorizer stand-in), and registers exports and refused deletions
// on JetStream (stream VIS_ARCHIVE).
describe("gateway process with the hub archive", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let access: AccessStandIn;
  let gateway: ServiceProcess;
  let bus: Bus;
  let base: string;
  let issuer: GrantIssuer;
  const seen: { subject: string; msg: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    access = await startAccessStandIn();
    issuer = access.issuer;
    bus = await connectBus({ servers: nats.url, name: "archive-e2e" });
    for (const [subject, schema] of [
      ["vis.archive.export.created", ExportCreatedSchema],
      ["vis.archive.request.refused", ArchiveRefusedSchema],
      ["vis.gateway.session.ended", SessionEndedSchema],
    ] as const) {
      bus.subscribeCore(subject, schema, (msg: unknown) => {
        seen.push({ subject, msg: msg as Record<string, unknown> });
      });
    }
    ({ gateway, base } = await startArchiveGateway({
      nats,
      redis,
      sim,
      access,
      name: "archive-proc",
    }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await bus?.close();
    await access?.close();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  const token = async (from: number, to: number, action: "view" | "export") =>
    (
      await issuer.issue(
        {
          grantId: `g-arch-${action}-${from}`,
          agencyId: "cz-psb-wujin",
          officers: ["010001", "010002"],
          cameras: ["cam-001"],
          mode: "recorded",
          action,
          window: { from: Math.floor(from / 1000), to: Math.ceil(to / 1000) },
          maxSessions: 2,
        },
        { ttlSec: 300 },
      )
    ).token;

  it("records, then plays a granted window and registers the session", async () => {
    const startedAt = Date.now();
    await new Promise((ok) => setTimeout(ok, 12_000));
    const t1 = startedAt + 3000;
    const t2 = t1 + 5000;
    const tk = await token(t1, t2, "view");
    let r = await readHttpFlv(
      `${base}/recorded/cam-001.flv?start=${t1}&end=${t2}&token=${tk}`,
      8000,
    );
    await eventually("keys loaded and footage there", async () => {
      r = await readHttpFlv(`${base}/recorded/cam-001.flv?start=${t1}&end=${t2}&token=${tk}`, 8000);
      return r.status === 200;
    });
    const first = Number(r.headers["x-vis-first-frame"]);
    expect(first - t1).toBeGreaterThanOrEqual(0);
    expect(first - t1).toBeLessThanOrEqual(2100);
    const media = mediaTags(r.tags);
    expect(media.find((t) => t.kind === "video")?.keyframe).toBe(true);
    expect(first + Math.max(...media.map((t) => t.timestamp))).toBeLessThan(t2);
    await eventually("session registered", () =>
      seen.some((s) => s.subject === "vis.gateway.session.ended"),
    );
  });

  it("registers an export on JetStream and a refused deletion citing Art. 22(3)", async () => {
    const t1 = Date.now() - 9000;
    const t2 = t1 + 4000;
    const tk = await token(t1, t2, "export");
    const res = await fetch(
      `${base}/archive/exports?camera=cam-001&start=${t1}&end=${t2}&token=${tk}`,
      {
        method: "POST",
      },
    );
    expect(res.status).toBe(201);
    const { manifest } = (await res.json()) as {
      manifest: { exportId: string; segments: { key: string }[] };
    };
    await eventually("export registered", () =>
      seen.some(
        (s) => s.subject === "vis.archive.export.created" && s.msg.exportId === manifest.exportId,
      ),
    );
    const ev = seen.find((s) => s.msg.exportId === manifest.exportId)?.msg as {
      officers: string[];
      grantId: string;
    };
    expect(ev.officers).toEqual(["010001", "010002"]);
    expect(ev.grantId).toBe(`g-arch-export-${t1}`);
    const key = manifest.segments[0]?.key ?? "";
    const del = await fetch(`${base}/archive/segments/${encodeURIComponent(key)}`, {
      method: "DELETE",
    });
    expect(del.status).toBe(412);
    await eventually("refusal registered", () =>
      seen.some(
        (s) =>
          s.subject === "vis.archive.request.refused" &&
          s.msg.what === "segment.delete" &&
          s.msg.article === "Art. 22(3)",
      ),
    );
  });
});
