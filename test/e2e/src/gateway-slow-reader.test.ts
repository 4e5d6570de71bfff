import { connect } from "node:net";
import { type Simulator, startSimulator } from "@vis/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayFixture, mediaTags, readHttpFlv, startGateway } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// A viewer that stops reading must not cost unbounded memory or slow the others: it is paused at
// the high-water mark, resumes at a keyframe if it drains, and is dropped after the stall bound.
describe("gateway slow readers", () => {
  let sim: Simulator;
  let gw: GatewayFixture;

  beforeAll(async () => {
    sim = await startSimulator({ cameras: 1, videoBitrate: 4_000_000 });
    gw = await startGateway(`${sim.rtmpUrl}/{camera}`, ["cam-001"], {
      hub: { highWaterBytes: 256 * 1024, lowWaterBytes: 32 * 1024, stallDropMs: 3000 },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it("drops a viewer that stopped reading, while a healthy viewer keeps the full rate", async () => {
    const token = await gw.token();
    const path = `/live/cam-001.flv?token=${token}`;
    const port = Number(new URL(gw.base).port);
    const stalled = connect(port, "127.0.0.1");
    let stalledClosedAt: number | undefined;
    stalled.on("close", () => {
      stalledClosedAt = Date.now();
    });
    stalled.on("error", () => undefined);
    stalled.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    stalled.pause(); // never reads: the kernel buffers fill, then the gateway's queue
    const healthy = readHttpFlv(`${gw.base}${path}`, 40_000);
    const dropped = () =>
      gw.events.some((e) => e.kind === "ended" && e.detail.endsWith("slow_reader"));
    const waited = await eventually("the stalled viewer is dropped", dropped, 60_000);
    console.info(`stalled viewer dropped after ${waited} ms (kernel buffers fill first)`);
    const stat = gw.gateway.streams.sample().find((s) => s.camera === "cam-001");
    expect(stat?.droppedViewers).toBe(1);
    expect(stat?.stalls).toBeGreaterThanOrEqual(1);
    stalled.resume(); // a paused socket only sees the server's close once it reads again
    await eventually("the stalled client sees the close", () => stalledClosedAt !== undefined);
    gw.gateway.sessions.endAll("viewer_left");
    const r = await healthy;
    const video = mediaTags(r.tags).filter((t) => t.kind === "video");
    const seconds = ((video.at(-1)?.timestamp ?? 0) - (video[0]?.timestamp ?? 0)) / 1000;
    // The healthy viewer saw media for (about) the whole time it was connected.
    expect(seconds).toBeGreaterThan(((r.closedAtMs ?? 0) / 1000) * 0.8 - 2);
  });
});
