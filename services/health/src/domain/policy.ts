/** The thresholds that turn probe results and reported measurements into a state. */
export interface StatusPolicy {
  /** Consecutive failed probes before a target is offline. */
  readonly failuresToOffline: number;
  /** Consecutive good probes before an offline target is online again (hysteresis). */
  readonly successesToRecover: number;
  /** A probe slower than this marks the target degraded ("slow"). */
  readonly slowMs: number;
  /** Gateway or reported fps below this is degraded; 0 turns the check off. */
  readonly minFps: number;
  /** Gateway or reported bitrate below this (kbit/s) is degraded; 0 turns the check off. */
  readonly minBitrateKbps: number;
  /** Reported recording gap above this (s in the last hour) is degraded. */
  readonly maxRecordingGapSeconds: number;
  /** Stats and reports older than this no longer count. */
  readonly evidenceTtlMs: number;
}

export const DEFAULT_POLICY: StatusPolicy = {
  failuresToOffline: 2,
  successesToRecover: 2,
  slowMs: 1500,
  minFps: 5,
  minBitrateKbps: 64,
  maxRecordingGapSeconds: 60,
  evidenceTtlMs: 30_000,
};
