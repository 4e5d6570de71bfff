import { timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { RevocationList } from "@vis/grants";
import { GrantRevokedEventSchema } from "@vis/proto/vis/access/v1/events_pb";
import { GatewayPresenceSchema } from "@vis/proto/vis/gateway/v1/events_pb";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { archiveConfig } from "./archive/archive-config.ts";
import { ARCHIVE_STREAM } from "./archive/archive-events.ts";
import { archiveEnabled } from "./archive/archive-store.ts";
import { startArchive } from "./archive/start-archive.ts";
import { busEvents, GATEWAY_STREAM } from "./bus/gateway-events.ts";
import { gatewayConfig } from "./config.ts";
import { Gateway } from "./gateway.ts";
import { type GatewayPeer, PeerDirectory } from "./placement/placement.ts";
import { registrySources } from "./registry-sources.ts";
import { AccessKeys } from "./sessions/access-keys.ts";
import { GrantsAuthorizer } from "./sessions/grants-authorizer.ts";
import type { PlayAuthorizer } from "./sessions/play-authorizer.ts";
import { templateSources } from "./sources.ts";

/** Subject of the authorizer's revocation events (stream VIS_ACCESS; core subscribers see them too). */
const GRANT_REVOKED = "vis.access.grant.revoked";
const PRESENCE = "vis.gateway.node.presence";

// The gateway: relays camera streams on demand to authorised viewers (HTTP-FLV, WS-FLV), checking
// a grant before any media flows. See docs/decisions/0006-gateway-media-path.md.
await runService({
  name: "gateway",
  version: pkg.version,
  config: { ...gatewayConfig, ...archiveConfig },
  streams: [GATEWAY_STREAM, ARCHIVE_STREAM],
  grpcServices: [],
  start: async ({ config, logger, bus, instanceId, store }) => {
    const revoked = new RevocationList();
    let keys: AccessKeys | undefined;
    let authorizer: PlayAuthorizer;
    if (config.auth.authorizerAddress === "") {
      logger.warn({ event: "no_authorizer" }, "no authorizer address: every play is refused");
      authorizer = {
        authorize: async () => new VisError("unavailable", "grant verification is not configured"),
      };
    } else {
      const k = new AccessKeys(config.auth.authorizerAddress, revoked, (err) =>
        logger.warn({ err, event: "keys_refresh_failed" }, "could not load grant keys"),
      );
      k.start(config.auth.keysRefreshMs);
      keys = k;
      authorizer = new GrantsAuthorizer(() => k.jwks, {
        revoked,
        onUnknownKey: () => k.refreshSoon(),
      });
    }
    const peers = new PeerDirectory(config.placement.presenceIntervalMs * 3);
    let playUrl = "";
    const self = (): GatewayPeer => ({
      instanceId,
      playUrl,
      sessions: gateway.sessions.size,
      capacity: config.placement.capacity,
    });
    const sink = busEvents(bus, instanceId, (err, what) =>
      logger.warn({ err, event: "publish_failed", what }, `could not publish ${what}`),
    );
    // Live sources: the camera's registered source (registry), else the configured template.
    const template = templateSources(
      config.pull.sourceTemplate,
      config.pull.cameras.split(",").filter(Boolean),
    );
    const registry =
      config.pull.registryAddress === ""
        ? undefined
        : createRpcClient(Registry, { address: config.pull.registryAddress, deadlineMs: 3000 });
    const sources = registry ? registrySources(registry, { fallback: template }) : template;
    const gateway = new Gateway({
      host: config.play.host,
      port: config.play.port,
      authorizer,
      sources,
      refusalDelayMs: config.egress.refusalDelayMs,
      placement: { self, peers: () => peers.live() },
      ...(config.play.rtmp ? { rtmp: { host: config.play.host, port: config.play.rtmpPort } } : {}),
      streams: {
        ffmpegPath: config.pull.ffmpeg,
        idleGraceMs: config.pull.idleGraceMs,
        stallTimeoutMs: config.pull.stallTimeoutMs,
        backoffInitialMs: config.pull.backoffInitialMs,
        backoffMaxMs: config.pull.backoffMaxMs,
        upstreamOutageMaxMs: config.pull.outageMaxMs,
        batchMs: config.egress.batchMs,
        hub: {
          highWaterBytes: config.egress.highWaterBytes,
          lowWaterBytes: config.egress.lowWaterBytes,
          stallDropMs: config.egress.stallDropMs,
        },
        onUpstreamState: (camera, state, detail) =>
          logger.info({ event: "upstream", camera, state, detail }, `upstream ${camera} ${state}`),
      },
      events: {
        sessionStarted: (s) => {
          logger.info({ event: "session_started", session: s.id, camera: s.camera }, "play");
          sink.events.sessionStarted(s);
        },
        sessionEnded: (s, reason, at) => {
          logger.info(
            { event: "session_ended", session: s.id, reason, bytes: s.bytes() },
            "play ended",
          );
          sink.events.sessionEnded(s, reason, at);
        },
        playRefused: (req, err, at) => {
          logger.info({ event: "play_refused", camera: req?.camera, code: err.code }, "refused");
          sink.events.playRefused(req, err, at);
        },
      },
    });
    const revocations = bus.subscribeCore(GRANT_REVOKED, GrantRevokedEventSchema, (e) => {
      const ends = e.grantEndsAt ? timestampDate(e.grantEndsAt).getTime() : Date.now() + 86_400_000;
      revoked.add(e.grantId, ends);
      const ended = gateway.revoke(e.grantId, ends);
      logger.info({ event: "grant_revoked", grant: e.grantId, ended }, "grant revoked");
    });
    const presence = bus.subscribeCore(PRESENCE, GatewayPresenceSchema, (p) => {
      if (p.gatewayInstance === instanceId) return;
      peers.update({
        instanceId: p.gatewayInstance,
        playUrl: p.playUrl,
        sessions: p.sessions,
        capacity: p.capacity,
      });
    });
    const port = await gateway.listen();
    playUrl = `http://${config.play.host}:${port}`;
    const rtmpUrl = config.play.rtmp
      ? `rtmp://${config.play.host}:${await gateway.listenRtmp()}/live`
      : "";
    // recorded footage (issue #6, docs/decisions/0008): recorder, retention, playback, exports
    const archive = !archiveEnabled(config.archive)
      ? undefined
      : await startArchive({
          ...{ config: config.archive, pull: config.pull, logger, bus, instanceId },
          ...{ redis: store.redis, revoked, sessions: gateway.sessions, keys: () => keys?.jwks },
          sources,
          sessionEvents: sink.events,
          refusalDelayMs: config.egress.refusalDelayMs,
        });
    // recorded footage is also served on the play port, beside live
    if (archive) gateway.mount((req, res) => archive.http.handle(req, res));
    const announce = () => {
      try {
        bus.publishCore(PRESENCE, GatewayPresenceSchema, {
          meta: {
            id: `${instanceId}-${Date.now()}`,
            time: timestampNow(),
            actor: { service: "gateway" },
            sourceInstance: instanceId,
          },
          gatewayInstance: instanceId,
          playUrl,
          sessions: gateway.sessions.size,
          capacity: config.placement.capacity,
          cameras: gateway.streams.cameras().slice(0, 10_000),
        });
      } catch (err) {
        logger.warn(
          { err, event: "publish_failed", what: "presence" },
          "could not announce presence",
        );
      }
    };
    announce();
    const presenceTimer = setInterval(announce, config.placement.presenceIntervalMs);
    const stats = setInterval(() => sink.stats(gateway.streams.sample()), config.stats.intervalMs);
    logger.info({ event: "play_listening", url: playUrl, rtmp: rtmpUrl }, "play listening");
    return async () => {
      clearInterval(stats);
      clearInterval(presenceTimer);
      await presence.stop();
      keys?.close();
      registry?.close();
      await revocations.stop();
      await archive?.close();
      await gateway.close();
    };
  },
});
