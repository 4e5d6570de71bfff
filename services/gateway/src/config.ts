import { bool, int, port, str } from "@vis/config";

/** The gateway's own settings (`VIS_PLAY_PORT`, `VIS_PULL_IDLE_GRACE_MS`, …). */
export const gatewayConfig = {
  play: { host: str("127.0.0.1"), port: port(0), rtmp: bool(true), rtmpPort: port(0) },
  pull: {
    ffmpeg: str("ffmpeg"),
    /** Live source by camera id, e.g. `rtmp://nvr:1935/live/{camera}`; "" = none configured. */
    sourceTemplate: str("", { allowEmpty: true, pattern: /^(rtmp|rtmps|rtsp|http|https):\/\// }),
    /** gRPC `host:port` of the registry: each camera's registered live source (before the template). */
    registryAddress: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9.-]+:\d{1,5}$/ }),
    /** Comma-separated camera ids the template serves; "" = any id. */
    cameras: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9_,-]*$/ }),
    idleGraceMs: int(10_000, 0, 600_000),
    stallTimeoutMs: int(5_000, 500, 60_000),
    backoffInitialMs: int(500, 50, 60_000),
    backoffMaxMs: int(10_000, 100, 600_000),
    outageMaxMs: int(30_000, 1_000, 3_600_000),
  },
  egress: {
    highWaterBytes: int(1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
    lowWaterBytes: int(64 * 1024, 0, 16 * 1024 * 1024),
    stallDropMs: int(10_000, 500, 600_000),
    refusalDelayMs: int(200, 0, 5_000),
    /** Media within this window is sent to each viewer in one write (0 = per tag). */
    batchMs: int(40, 0, 500),
  },
  stats: { intervalMs: int(5_000, 500, 60_000) },
  placement: {
    /** Sessions this gateway takes before new plays are placed on peers. */
    capacity: int(2_000, 1, 1_000_000),
    presenceIntervalMs: int(2_000, 250, 60_000),
  },
  auth: {
    /** gRPC `host:port` of the authorizer (JWKS and revocations); "" = plays are refused. */
    authorizerAddress: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9.-]+:\d{1,5}$/ }),
    keysRefreshMs: int(60_000, 1_000, 3_600_000),
  },
} as const;
