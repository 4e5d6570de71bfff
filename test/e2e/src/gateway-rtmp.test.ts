import { spawn } from "node:child_process";
import { connect } from "node:net";
import { type Simulator, startSimulator } from "@vis/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RtmpPlayer } from "../../bench/src/rtmp-player.ts";
import { type GatewayFixture, startGateway } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// RTMP play egress: authorised at `play`, before any NetStream status. A refused player never gets
// NetStream.Play.Start; an admitted one gets a stream ffprobe decodes.
describe("gateway RTMP egress", () => {
  let sim: Simulator;
  let gw: GatewayFixture;
  let rtmpPort: number;

  beforeAll(async () => {
    sim = await startSimulator({ cameras: 1 });
    gw = await startGateway(
      `${sim.rtmpUrl}/{camera}`,
      ["cam-001"],
      {},
      {
        rtmp: { host: "127.0.0.1", port: 0 },
      },
    );
    rtmpPort = await gw.gateway.listenRtmp();
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  /** A raw RTMP play: the status codes it was sent and whether media arrived. */
  async function rtmpPlay(stream: string, ms: number) {
    const statuses: string[] = [];
    let media = 0;
    let keyframe = false;
    const socket = connect(rtmpPort, "127.0.0.1");
    const player = new RtmpPlayer(
      socket,
      `rtmp://127.0.0.1:${rtmpPort}/live/${stream}`,
      (type, _ts, _size, b0) => {
        media++;
        if (type === 9 && b0 >> 4 === 1) keyframe = true;
      },
      (name, args) => {
        if (name === "onStatus") statuses.push(String((args[1] as { code?: string } | null)?.code));
      },
    );
    socket.on("connect", () => player.start());
    socket.on("data", (c: Buffer) => player.push(c));
    socket.on("error", () => undefined);
    let closed = false;
    socket.on("close", () => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, ms));
    socket.destroy();
    return { statuses, media, keyframe, closed };
  }

  it("refuses a bad token with Play.Failed, never Play.Start, and closes", async () => {
    const r = await rtmpPlay("cam-001?token=forged", 2000);
    expect(r.statuses).toEqual(["NetStream.Play.Failed"]);
    expect(r.media).toBe(0);
    expect(r.closed).toBe(true);
    const other = await gw.token({ cameras: ["cam-002"] });
    const r2 = await rtmpPlay(`cam-001?token=${other}`, 1500);
    expect(r2.statuses).toEqual(["NetStream.Play.Failed"]);
    expect(gw.events.filter((e) => e.kind === "refused")).toHaveLength(2);
  });

  it("plays an authorised stream that starts at a keyframe and that ffprobe decodes", async () => {
    const token = await gw.token();
    const r = await rtmpPlay(`cam-001?token=${token}`, 3000);
    expect(r.statuses).toEqual(["NetStream.Play.Reset", "NetStream.Play.Start"]);
    expect(r.keyframe).toBe(true);
    expect(r.media).toBeGreaterThan(50);
    // ffprobe as a real RTMP client (async: the gateway runs in this process)
    const codecs = await new Promise<string[]>((resolve) => {
      const p = spawn("ffprobe", [
        ...["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0"],
        `rtmp://127.0.0.1:${rtmpPort}/live/cam-001?token=${token}`,
      ]);
      let out = "";
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
      p.on("close", () => {
        clearTimeout(timer);
        resolve([...new Set(out.split("\n").filter(Boolean))].sort());
      });
    });
    expect(codecs).toEqual(["aac", "h264"]);
    await eventually(
      "RTMP sessions registered",
      () => gw.events.filter((e) => e.kind === "ended").length >= 2,
    );
  });
});
