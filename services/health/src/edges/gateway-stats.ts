import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Bus, CoreSubscription } from "@vis/bus";
import { GatewayStreamStatsSchema, UpstreamState } from "@vis/proto/vis/health/v1/events_pb";
import { State } from "@vis/proto/vis/health/v1/status_pb";
import type { Monitor } from "../monitor.ts";
import { GATEWAY_STATS_SUBJECT } from "./events.ts";

/**
 * The gateways' stream stats (`vis.gateway.stream.stats`, core NATS): fps and bitrate of pulled
 * cameras degrade a camera below the thresholds; a failed upstream is a degradation (or, for a camera
 * watched only passively, a failed probe).
 */
export function consumeGatewayStats(
  bus: Bus,
  monitor: Monitor,
  now: () => number,
): CoreSubscription {
  return bus.subscribeCore(GATEWAY_STATS_SUBJECT, GatewayStreamStatsSchema, (s) => {
    if (monitor.target(s.cameraId) === undefined) return;
    const at = s.time ? Math.min(timestampDate(s.time).getTime(), now()) : now();
    const up = s.upstream === UpstreamState.UP;
    monitor.gatewayStats(
      s.cameraId,
      {
        fps: up ? s.fps : undefined,
        bitrateKbps: up ? s.bitrateKbps : undefined,
        state: s.upstream === UpstreamState.FAILED ? State.OFFLINE : undefined,
        reason:
          s.upstream === UpstreamState.FAILED
            ? `gateway upstream failed: ${s.upstreamError || "unknown"}`
            : "",
        at,
      },
      up,
    );
  });
}
