import { type Simulator, startSimulator } from "@vis/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayPeer } from "../../../services/gateway/src/index.ts";
import { placeCamera } from "../../../services/gateway/src/index.ts";
import { type GatewayFixture, mediaTags, readHttpFlv, startGateway } from "./gateway-fixture.ts";

// Two gateways sharing one peer list: a play that reaches the "wrong" gateway is authorised there,
// then sent (307) to the gateway the camera is placed on, so each camera is pulled once.
describe("gateway placement across instances", () => {
  let sim: Simulator;
  const gws: GatewayFixture[] = [];
  const peers: GatewayPeer[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ cameras: 2 });
    for (const id of ["gw-a", "gw-b"]) {
      const gw = await startGateway(
        `${sim.rtmpUrl}/{camera}`,
        ["cam-001", "cam-002"],
        {},
        {
          placement: {
            self: () => peers.find((p) => p.instanceId === id) as GatewayPeer,
            peers: () => peers,
          },
        },
        gws[0]?.ring,
      );
      gws.push(gw);
      peers.push({ instanceId: id, playUrl: gw.base, sessions: 0, capacity: 100 });
    }
  });
  afterAll(async () => {
    for (const gw of gws) await gw.close();
    await sim?.close();
  });

  it("redirects a play to the camera's gateway after authorising it, and pulls there only", async () => {
    const [a, b] = gws as [GatewayFixture, GatewayFixture];
    const target = placeCamera("cam-001", peers)?.instanceId;
    const [home, away] = target === "gw-a" ? [a, b] : [b, a];
    const token = await a.token({ cameras: ["cam-001"] });
    // fetch follows the 307
    const res = await fetch(`${away.base}/live/cam-001.flv?token=${token}`, { redirect: "manual" });
    expect(res.status).toBe(307);
    const location = res.headers.get("location") ?? "";
    expect(location.startsWith(`${home.base}/live/cam-001.flv?`)).toBe(true);
    expect(location).toContain("placed=1");
    await res.body?.cancel();
    const r = await readHttpFlv(location, 2500);
    expect(r.status).toBe(200);
    expect(mediaTags(r.tags).find((t) => t.kind === "video")?.keyframe).toBe(true);
    expect(home.gateway.streams.has("cam-001")).toBe(true);
    expect(away.gateway.streams.has("cam-001")).toBe(false);
    // A refusal is decided where the play arrived: no redirect for a bad token.
    const bad = await fetch(`${away.base}/live/cam-001.flv?token=nope`, { redirect: "manual" });
    expect(bad.status).toBe(401);
    await bad.body?.cancel();
  });

  it("serves locally when the placed gateway is full", async () => {
    const target = placeCamera("cam-002", peers)?.instanceId;
    const away = gws[target === "gw-a" ? 1 : 0] as GatewayFixture;
    for (const p of peers) if (p.instanceId === target) Object.assign(p, { sessions: 100 });
    const token = await away.token({ cameras: ["cam-002"] });
    const r = await readHttpFlv(`${away.base}/live/cam-002.flv?token=${token}`, 2500);
    expect(r.status).toBe(200);
    expect(away.gateway.streams.has("cam-002")).toBe(true);
  });
});
