import { randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Bus, defineEvent, type StreamSpec } from "@vis/bus";
import {
  PlayProtocol,
  PlayRefusedSchema,
  SessionEndedSchema,
  SessionEndReason,
  SessionStartedSchema,
} from "@vis/proto/vis/gateway/v1/events_pb";
import { GatewayStreamStatsSchema, UpstreamState } from "@vis/proto/vis/health/v1/events_pb";
import type { GatewayEvents } from "../gateway.ts";
import type { StreamStats } from "../hub/stream-manager.ts";
import type { PlayProtocol as Protocol } from "../sessions/play-authorizer.ts";
import type { EndReason, Session } from "../sessions/session-registry.ts";
import type { UpstreamState as State } from "../upstream/ffmpeg-pull.ts";

/** Session records and refusals: kept (they feed the registration log, Art. 25). */
export const GATEWAY_STREAM: StreamSpec = {
  name: "VIS_GATEWAY",
  subjects: ["vis.gateway.session.*", "vis.gateway.play.*"],
  maxAgeMs: 60 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
  discard: "new",
  denyDelete: true,
  denyPurge: true,
  storage: "file",
};

export const sessionStarted = defineEvent({
  subject: "vis.gateway.session.started",
  schema: SessionStartedSchema,
  stream: GATEWAY_STREAM.name,
});
export const sessionEnded = defineEvent({
  subject: "vis.gateway.session.ended",
  schema: SessionEndedSchema,
  stream: GATEWAY_STREAM.name,
});
export const playRefused = defineEvent({
  subject: "vis.gateway.play.refused",
  schema: PlayRefusedSchema,
  stream: GATEWAY_STREAM.name,
});
/** Core NATS (may be lost): one `vis.health.v1.GatewayStreamStats` per pulled camera per interval. */
export const STATS_SUBJECT = "vis.gateway.stream.stats";

const PROTOCOL: Record<Protocol, PlayProtocol> = {
  "http-flv": PlayProtocol.HTTP_FLV,
  "ws-flv": PlayProtocol.WS_FLV,
  hls: PlayProtocol.HLS,
  rtmp: PlayProtocol.RTMP,
};
const REASON: Record<EndReason, SessionEndReason> = {
  viewer_left: SessionEndReason.VIEWER_LEFT,
  grant_revoked: SessionEndReason.GRANT_REVOKED,
  grant_expired: SessionEndReason.GRANT_EXPIRED,
  slow_reader: SessionEndReason.SLOW_READER,
  upstream_lost: SessionEndReason.UPSTREAM_LOST,
  gateway_stopping: SessionEndReason.GATEWAY_STOPPING,
};
const STATE: Record<State, UpstreamState> = {
  connecting: UpstreamState.CONNECTING,
  live: UpstreamState.UP,
  retrying: UpstreamState.FAILED,
  stopped: UpstreamState.IDLE,
};

export interface EventSink {
  readonly events: GatewayEvents;
  stats(streams: readonly StreamStats[]): void;
}

/** Publishes the gateway's facts: session start/end and refusals on JetStream, stats on core NATS. */
export function busEvents(
  bus: Bus,
  instanceId: string,
  onError: (err: unknown, what: string) => void,
): EventSink {
  const meta = (time: Date = new Date()) => ({
    id: randomBytes(16).toString("hex"),
    time: timestampFromDate(time),
    actor: { service: "gateway" },
    sourceInstance: instanceId,
  });
  const sessionMsg = (s: Session): MessageInitShape<typeof SessionStartedSchema>["session"] => ({
    sessionId: s.id,
    grantId: s.grant.grantId,
    cameraId: s.camera,
    agencyId: s.grant.agency,
    viewer: s.grant.viewer,
    protocol: PROTOCOL[s.protocol],
    remoteAddress: s.remoteAddress,
    gatewayInstance: instanceId,
    startedAt: timestampFromDate(s.startedAt),
  });
  const send = (what: string, p: Promise<unknown>) => void p.catch((err) => onError(err, what));
  return {
    events: {
      sessionStarted: (s) =>
        send(
          "session.started",
          bus.publish(sessionStarted, { meta: meta(s.startedAt), session: sessionMsg(s) }),
        ),
      sessionEnded: (s, reason, endedAt) =>
        send(
          "session.ended",
          bus.publish(sessionEnded, {
            meta: meta(endedAt),
            session: sessionMsg(s),
            endedAt: timestampFromDate(endedAt),
            reason: REASON[reason],
            bytes: BigInt(s.bytes()),
            durationMs: BigInt(Math.max(0, endedAt.getTime() - s.startedAt.getTime())),
          }),
        ),
      playRefused: (req, err, at) =>
        send(
          "play.refused",
          bus.publish(playRefused, {
            meta: meta(at),
            cameraId: req?.camera ?? "",
            protocol: req ? PROTOCOL[req.protocol] : PlayProtocol.UNSPECIFIED,
            code: err.code,
            message: err.message.slice(0, 512),
            remoteAddress: req?.remoteAddress ?? "",
            gatewayInstance: instanceId,
          }),
        ),
    },
    stats: (streams) => {
      const time = timestampFromDate(new Date());
      for (const st of streams) {
        try {
          bus.publishCore(STATS_SUBJECT, GatewayStreamStatsSchema, {
            cameraId: st.camera,
            gatewayInstance: instanceId,
            bitrateKbps: st.bitrateBps / 1000,
            fps: st.fps,
            viewers: st.viewers,
            upstream: STATE[st.upstreamState],
            upstreamError: st.upstreamState === "live" ? "" : st.lastError.slice(0, 512),
            time,
          });
        } catch (err) {
          onError(err, "stream.stats");
        }
      }
    },
  };
}
