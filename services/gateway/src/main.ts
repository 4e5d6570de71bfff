import { VisError } from "@vis/errors";
import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { gatewayConfig } from "./config.ts";
import { Gateway } from "./gateway.ts";
import type { PlayAuthorizer } from "./sessions/play-authorizer.ts";
import { templateSources } from "./sources.ts";

// Until @vis/grants (issue #4) lands there is no grant verifier to wire: every play is refused
// (fail closed), never allowed.
const noVerifier: PlayAuthorizer = {
  authorize: async () => new VisError("unavailable", "grant verification is not configured"),
};

// The gateway: relays camera streams on demand to authorised viewers (HTTP-FLV, WS-FLV), checking
// a grant before any media flows. See docs/decisions/0006-gateway-media-path.md.
await runService({
  name: "gateway",
  version: pkg.version,
  config: gatewayConfig,
  grpcServices: [],
  start: async ({ config, logger }) => {
    const gateway = new Gateway({
      host: config.play.host,
      port: config.play.port,
      authorizer: noVerifier,
      sources: templateSources(config.pull.sourceTemplate),
      refusalDelayMs: config.egress.refusalDelayMs,
      streams: {
        ffmpegPath: config.pull.ffmpeg,
        idleGraceMs: config.pull.idleGraceMs,
        stallTimeoutMs: config.pull.stallTimeoutMs,
        backoffInitialMs: config.pull.backoffInitialMs,
        backoffMaxMs: config.pull.backoffMaxMs,
        upstreamOutageMaxMs: config.pull.outageMaxMs,
        hub: {
          highWaterBytes: config.egress.highWaterBytes,
          lowWaterBytes: config.egress.lowWaterBytes,
          stallDropMs: config.egress.stallDropMs,
        },
        onUpstreamState: (camera, state, detail) =>
          logger.info({ event: "upstream", camera, state, detail }, `upstream ${camera} ${state}`),
      },
      events: {
        sessionStarted: (s) =>
          logger.info({ event: "session_started", session: s.id, camera: s.camera }, "play"),
        sessionEnded: (s, reason) =>
          logger.info(
            { event: "session_ended", session: s.id, reason, bytes: s.bytes() },
            "play ended",
          ),
        playRefused: (req, err) =>
          logger.info({ event: "play_refused", camera: req?.camera, code: err.code }, "refused"),
      },
    });
    const port = await gateway.listen();
    logger.info(
      { event: "play_listening", url: `http://${config.play.host}:${port}` },
      "play listening",
    );
    return () => gateway.close();
  },
});
