import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { create } from "@bufbuild/protobuf";
import { ProbeProtocol, ProbeTargetSchema, TargetKind } from "@vis/proto/vis/health/v1/status_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeTarget } from "./probe.ts";

// Each probe against a real peer on a loopback socket (port 0), answering like the real protocol.
const servers: (Server | HttpServer)[] = [];
const listen = async (s: Server | HttpServer) => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as AddressInfo).port;
};
let rtmpPort = 0;
let rtspPort = 0;
let httpPort = 0;
let silentPort = 0;
let closedPort = 0;

beforeAll(async () => {
  // RTMP: S0 (version 3) + S1 + S2 after C0+C1.
  rtmpPort = await listen(
    createServer((s) => {
      let got = 0;
      s.on("data", (c: Buffer) => {
        got += c.length;
        if (got >= 1537 && got - c.length < 1537)
          s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(3072)]));
      });
      s.on("error", () => undefined);
    }),
  );
  rtspPort = await listen(
    createServer((s) => {
      s.once("data", () =>
        s.write("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n"),
      );
      s.on("error", () => undefined);
    }),
  );
  const flv = Buffer.concat([
    Buffer.from("FLV\x01\x05\x00\x00\x00\x09", "latin1"),
    Buffer.alloc(4),
    Buffer.from([18, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
  ]);
  httpPort = await listen(
    createHttpServer((req, res) => {
      if (req.url === "/live/up.flv") {
        res.writeHead(200, { "content-type": "video/x-flv" });
        res.write(flv);
      } else if (req.url === "/live/silent.flv") {
        res.writeHead(200);
        res.flushHeaders();
      } else res.writeHead(503).end();
    }),
  );
  silentPort = await listen(createServer((s) => s.on("error", () => undefined)));
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise<void>((r) => closed.close(() => r()));
});

afterAll(async () => {
  for (const s of servers) {
    if ("closeAllConnections" in s) s.closeAllConnections();
    s.close();
  }
});

const target = (protocol: ProbeProtocol, url: string) =>
  create(ProbeTargetSchema, { id: "t", kind: TargetKind.ENDPOINT, protocol, url });

describe("probes", () => {
  it("TCP: connect succeeds, a closed port is refused", async () => {
    expect(
      await probeTarget(target(ProbeProtocol.TCP, `tcp://127.0.0.1:${rtmpPort}`), 1000),
    ).toMatchObject({ ok: true });
    expect(
      await probeTarget(target(ProbeProtocol.TCP, `tcp://127.0.0.1:${closedPort}`), 1000),
    ).toMatchObject({
      ok: false,
      reason: "connect ECONNREFUSED",
    });
  });

  it("RTMP: a server that answers the handshake passes; one that stays silent times out", async () => {
    expect(
      await probeTarget(target(ProbeProtocol.RTMP, `rtmp://127.0.0.1:${rtmpPort}/live`), 1000),
    ).toMatchObject({ ok: true });
    const silent = await probeTarget(
      target(ProbeProtocol.RTMP, `rtmp://127.0.0.1:${silentPort}/live`),
      200,
    );
    expect(silent).toMatchObject({ ok: false, reason: "timeout after 200 ms" });
    expect(silent.latencyMs).toBeGreaterThanOrEqual(190);
  });

  it("RTSP: OPTIONS answered with 200 passes", async () => {
    expect(
      await probeTarget(target(ProbeProtocol.RTSP, `rtsp://127.0.0.1:${rtspPort}/cam`), 1000),
    ).toMatchObject({ ok: true });
  });

  it("HTTP-FLV: the first tag passes; an error status or no tag fails with the reason", async () => {
    const base = `http://127.0.0.1:${httpPort}/live`;
    expect(await probeTarget(target(ProbeProtocol.HTTP_FLV, `${base}/up.flv`), 1000)).toMatchObject(
      { ok: true },
    );
    expect(
      await probeTarget(target(ProbeProtocol.HTTP_FLV, `${base}/gone.flv`), 1000),
    ).toMatchObject({
      ok: false,
      reason: "HTTP 503",
    });
    expect(
      await probeTarget(target(ProbeProtocol.HTTP_FLV, `${base}/silent.flv`), 200),
    ).toMatchObject({
      ok: false,
      reason: "no FLV tag within 200 ms",
    });
  });
});
