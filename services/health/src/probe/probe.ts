import { ProbeProtocol, type ProbeTarget } from "@vis/proto/vis/health/v1/status_pb";
import type { ProbeResult } from "../domain/tracker.ts";
import { endpointOf, probeTcp } from "./connect.ts";
import { probeHttpFlv } from "./http-flv.ts";
import { probeRtmp } from "./rtmp.ts";
import { probeRtsp } from "./rtsp.ts";

/** Probes one target once; never throws (a failure is a result). */
export type ProbeFn = (target: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;

/** The real probes, by protocol. */
export const probeTarget: ProbeFn = async (target, timeoutMs) => {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return { ok: false, latencyMs: 0, reason: `bad url ${JSON.stringify(target.url)}` };
  }
  const ep = endpointOf(url);
  switch (target.protocol) {
    case ProbeProtocol.TCP:
      return probeTcp(ep, timeoutMs);
    case ProbeProtocol.RTMP:
      return probeRtmp(ep, timeoutMs);
    case ProbeProtocol.RTSP:
      return probeRtsp(ep, target.url, timeoutMs);
    case ProbeProtocol.HTTP_FLV:
      return probeHttpFlv(url, timeoutMs);
    default:
      return { ok: false, latencyMs: 0, reason: "not actively probed" };
  }
};
