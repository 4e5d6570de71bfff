import { join } from "node:path";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { RevokedBy } from "@vis/proto/vis/access/v1/log_pb";
import { Mode } from "@vis/proto/vis/access/v1/request_pb";
import { type Simulator, startSimulator } from "@vis/simulator";
import { type ServiceProcess, startServiceProcess } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthzHub, lawfulRequest, seedRegistry, startAuthzHub } from "./authorizer-fixture.ts";
import { mediaTags, readHttpFlv } from "./gateway-fixture.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// The product's main path, every part real: an operator's camera registered in the registry, a
// lawful live request decided by the authorizer, the grant played through the gateway, which pulls
// the camera's registered source; then the grant is revoked and the viewer is cut off.
describe("police live flow: registry → authorizer → gateway", () => {
  let hub: AuthzHub;
  let sim: Simulator;
  let gateway: ServiceProcess;
  let playUrl: string;

  beforeAll(async () => {
    [hub, sim] = await Promise.all([startAuthzHub(), startSimulator({ cameras: 1 })]);
    const cam = sim.cameras[0];
    if (cam === undefined) throw new Error("simulator started no camera");
    await seedRegistry(hub, {
      liveSources: { "cam-a": cam.rtmpUrl },
    });
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(hub.nats, hub.redis, join(hub.dir, "gateway.spans.jsonl")),
        VIS_TRACES_EXPORTER: "none",
        VIS_PULL_REGISTRY_ADDRESS: String(hub.registry.ready.grpc),
        VIS_AUTH_AUTHORIZER_ADDRESS: String(hub.authorizer.ready.grpc),
        VIS_PLAY_RTMP: "false",
      },
    });
    const listening = await gateway.waitForLog((l) => l.event === "play_listening", 10_000);
    playUrl = String(listening.url);
  });

  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
    await hub?.stop();
  });

  it("plays a granted live stream pulled from the registered source, then cuts it on revocation", async () => {
    const { decision } = await hub.access.requestAccess(
      lawfulRequest({
        mode: Mode.LIVE,
        window: undefined,
        cameraIds: ["cam-a"],
        durationSeconds: 600,
      }),
    );
    expect(decision?.outcome, JSON.stringify(decision?.reasons)).toBe(Outcome.GRANTED);
    const grant = decision?.grant;
    expect(grant?.token).toMatch(/^ey/);

    // Without the token: refused before any media.
    const refused = await readHttpFlv(`${playUrl}/live/cam-a.flv`, 3000);
    expect(refused.status).toBe(401);
    expect(mediaTags(refused.tags)).toHaveLength(0);

    // The keys reach the gateway within a refresh; the first authorised play starts the pull.
    const url = `${playUrl}/live/cam-a.flv?token=${grant?.token}`;
    await eventually(
      "the gateway to accept the grant",
      async () => (await readHttpFlv(url, 1500)).status === 200,
      30_000,
    );
    const started = Date.now();
    const reading = readHttpFlv(url, 20_000);
    await new Promise((r) => setTimeout(r, 5000));
    const revokeAt = Date.now();
    const { revokedNow } = await hub.access.revoke({
      grantId: grant?.grantId ?? "",
      by: RevokedBy.REQUESTING_AGENCY,
      person: { agencyId: "wujin-police", workId: "010001" },
      reason: "case closed",
    });
    expect(revokedNow).toBe(true);
    const read = await reading;
    expect(read.status).toBe(200);
    const tags = read.tags;
    const firstVideo = tags.find((t) => t.kind === "video");
    expect(firstVideo?.sequenceHeader, "AVC sequence header first").toBe(true);
    expect(tags.some((t) => t.kind === "video" && t.keyframe && !t.sequenceHeader)).toBe(true);
    expect(tags.some((t) => t.kind === "audio")).toBe(true);
    // Revoked while playing: the gateway ends the stream within the 1 s of the revoke call.
    expect(read.closedAtMs, "the server ended the stream").toBeDefined();
    const cutMs = started + (read.closedAtMs ?? 0) - revokeAt;
    expect(cutMs).toBeLessThan(1000);
    console.log(`revocation cut-off: ${cutMs} ms after the Revoke call`);

    // And it cannot reconnect with the revoked grant.
    const again = await readHttpFlv(`${playUrl}/live/cam-a.flv?token=${grant?.token}`, 3000);
    expect(again.status).toBe(403);

    // The session is in the registration log, attributed to the requesting agency.
    await eventually(
      "the session in the registration log",
      async () => {
        const q = await hub.log.queryLog({ cameraId: "cam-a", kinds: ["session"] });
        return q.entries.length >= 2;
      },
      20_000,
    );
  });
});
