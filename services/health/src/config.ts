import { bool, int, str } from "@vis/config";

/** The health service's own settings (`VIS_HEALTH_*`). */
export const healthConfig = {
  health: {
    /** Default probe cycle: every target is probed once per cycle, spread evenly. */
    cycleMs: int(10_000, 200, 86_400_000),
    timeoutMs: int(2000, 50, 600_000),
    /** Delay of the confirmation probe after a first failure (capped at half a cycle). */
    confirmMs: int(1000, 10, 600_000),
    slotMs: int(10, 1, 1000),
    maxInFlight: int(2000, 1, 100_000),
    failuresToOffline: int(2, 1, 20),
    successesToRecover: int(2, 1, 20),
    slowMs: int(1500, 1, 600_000),
    minFps: int(5, 0, 1000),
    minBitrateKbps: int(64, 0, 10_000_000),
    maxRecordingGapSeconds: int(60, 0, 3600),
    openAfterOfflineMs: int(0, 0, 86_400_000),
    openAfterDegradedMs: int(60_000, 0, 86_400_000),
    repairDeadlineMs: int(4 * 3_600_000, 1000, 30 * 86_400_000),
    /** Comma-separated webhook URLs for incident alerts; empty: none. */
    webhookUrls: str("", { allowEmpty: true, pattern: /^https?:\/\/\S+(,\s*https?:\/\/\S+)*$/ }),
    webhookMaxAttempts: int(6, 1, 50),
    webhookBackoffMs: int(1000, 10, 60_000),
    /** Follow the registry's events for cameras and endpoints. */
    registry: bool(true),
  },
} as const;
