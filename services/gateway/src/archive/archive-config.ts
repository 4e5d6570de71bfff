import { int, oneOf, port, str } from "@vis/config";

/**
 * The hub archive's settings (`VIS_ARCHIVE_DIR`, `VIS_ARCHIVE_STORE`, `VIS_ARCHIVE_CAMERAS`, …).
 * The archive is on when `dir` is set (filesystem store) or `store` is `s3`.
 */
export const archiveConfig = {
  archive: {
    /** Filesystem store root; with store `fs`, "" turns the archive (recording, playback, exports) off. */
    dir: str("", { allowEmpty: true }),
    /**
     * Where segments, manifest records, holds and exports go: `fs` (the folder `dir`) or `s3`
     * (an S3-compatible bucket). Several gateways must share it (one bucket, or `dir` on shared
     * storage): any gateway may take a camera over, and plays read whatever the index names.
     */
    store: oneOf("fs", ["fs", "s3"]),
    /** S3-compatible endpoint, `http(s)://host:port` (path-style requests). */
    s3Endpoint: str("", { allowEmpty: true, pattern: /^https?:\/\/[^/\s]+\/?$/ }),
    s3Bucket: str("", { allowEmpty: true, pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/ }),
    s3Region: str("us-east-1", { pattern: /^[a-z0-9-]{1,32}$/ }),
    s3AccessKeyId: str("", { allowEmpty: true }),
    /** The secret access key itself (prefer `s3SecretFile`). */
    s3SecretAccessKey: str("", { allowEmpty: true, secret: true }),
    /** A file holding the secret access key (e.g. a mounted Kubernetes Secret). */
    s3SecretFile: str("", { allowEmpty: true }),
    /**
     * One gateway records a camera at a time: it holds a Redis lease renewed every ttl/3 and stops
     * recording as soon as it cannot renew; others try to take free cameras every ttl/3.
     */
    leaseTtlMs: int(15_000, 1_000, 600_000),
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
    /**
     * Recorded HTTP-FLV plays: this much media (ms) is sent at once so the player starts and fills
     * its buffer, the rest at real time (HLS and MP4 are files, not paced).
     */
    paceLeadMs: int(4_000, 0, 60_000),
    /** A recorded HLS session (grant, viewer, camera) ends this long after its last request. */
    hlsIdleMs: int(12_000, 1_000, 600_000),
    /** Longest window one export (MP4 copy) covers; longer ones are refused, to be split. */
    exportMaxMs: int(1_800_000, 10_000, 7_200_000),
    /** How often facts for the registration log that NATS did not take are published again. */
    outboxRetryMs: int(5_000, 200, 600_000),
  },
} as const;
