import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Simulator, startSimulator } from "@vis/simulator";
import { makeTempDir } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayFixture, probeCodecs, startGateway } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// HLS from the same on-demand pull: a live playlist of MPEG-TS segments cut at keyframes, every
// playlist and segment request authorised; the playlist keeps the token on segment URIs.
describe("gateway HLS", () => {
  let sim: Simulator;
  let gw: GatewayFixture;

  beforeAll(async () => {
    sim = await startSimulator({ cameras: 1 });
    gw = await startGateway(`${sim.rtmpUrl}/{camera}`, ["cam-001"]);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  const get = async (url: string) => {
    const res = await fetch(url);
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      body: Buffer.from(await res.arrayBuffer()),
    };
  };

  it("serves a live playlist and decodable segments to an authorised viewer, and refuses others", async () => {
    const grantId = `g-hls-${Date.now()}`;
    const token = await gw.token({ grantId });
    const playlist = await get(`${gw.base}/hls/cam-001/index.m3u8?token=${token}`);
    expect(playlist.status).toBe(200);
    expect(playlist.type).toBe("application/vnd.apple.mpegurl");
    const text = playlist.body.toString();
    expect(text).toMatch(/^#EXTM3U/);
    const segments = text.split("\n").filter((l) => l.includes(".ts?"));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments[0]).toContain(`token=${token}`);
    const seg = await get(`${gw.base}/hls/cam-001/${segments[0]}`);
    expect(seg.status).toBe(200);
    expect(seg.type).toBe("video/mp2t");
    const file = join(makeTempDir("gw-hls"), "seg.ts");
    writeFileSync(file, seg.body);
    expect(probeCodecs(file)).toEqual(["aac", "h264"]);

    expect((await get(`${gw.base}/hls/cam-001/index.m3u8`)).status).toBe(401);
    const other = await gw.token({ cameras: ["cam-002"] });
    expect((await get(`${gw.base}/hls/cam-001/index.m3u8?token=${other}`)).status).toBe(403);
    expect(
      gw.events.filter((e) => e.kind === "started" && e.detail.includes(grantId)),
    ).toHaveLength(1);

    gw.authorizer.revoked.add(grantId, Date.now() + 3600_000);
    expect(gw.gateway.revoke(grantId)).toBe(1);
    expect((await get(`${gw.base}/hls/cam-001/index.m3u8?token=${token}`)).status).toBe(403);
    await eventually("HLS session ended as revoked", () =>
      gw.events.some((e) => e.kind === "ended" && e.detail === `cam-001 ${grantId} grant_revoked`),
    );
  });
});
