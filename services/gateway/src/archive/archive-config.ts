import { int, port, str } from "@vis/config";

/** The hub archive's settings (`VIS_ARCHIVE_DIR`, `VIS_ARCHIVE_CAMERAS`, …); dir "" = off. */
export const archiveConfig = {
  archive: {
    /** Filesystem store root; "" turns the archive (recording, playback, exports) off. */
    dir: str("", { allowEmpty: true }),
    /** Cameras recorded by the hub ("archived by the hub"), comma-separated. */
    cameras: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9_,-]*$/ }),
    /** Operators' playback endpoint for cameras the hub does not record ("" = none). */
    playbackTemplate: str("", { allowEmpty: true, pattern: /^https?:\/\// }),
    segmentMs: int(2_000, 500, 60_000),
    /** Retention of the systems whose cameras the hub records (Art. 21(7): at least 30). */
    retentionDays: int(30, 30, 36_500),
    /** Below this much free space, recording stops (and alerts); nothing is deleted. */
    minFreeMb: int(1_024, 0, 10_000_000),
    sweepIntervalMs: int(3_600_000, 1_000, 86_400_000),
    gapToleranceMs: int(3_000, 100, 600_000),
    /** gRPC `host:port` of the registry: hub-archived cameras, playback templates, retention. */
    registryAddress: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9.-]+:\d{1,5}$/ }),
    registryRefreshMs: int(30_000, 1_000, 3_600_000),
    /** gRPC `host:port` of the health monitor: recording gaps are reported with ReportStatus. */
    healthAddress: str("", { allowEmpty: true, pattern: /^[A-Za-z0-9.-]+:\d{1,5}$/ }),
    host: str("127.0.0.1"),
    port: port(0),
    /** PKCS#8 PEM file of the Ed25519 export-signing key; "" = a key made at start (dev only). */
    exportKeyFile: str("", { allowEmpty: true }),
  },
} as const;
