import { State } from "@vis/proto/vis/health/v1/status_pb";
import type { StatusPolicy } from "./policy.ts";

/** One probe's outcome. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Why it failed (or a note on success); "" when there is nothing to say. */
  readonly reason: string;
}

/** Stream measurements from a gateway or from the system itself. */
export interface Measurement {
  readonly fps?: number | undefined;
  readonly bitrateKbps?: number | undefined;
  readonly recordingGapSeconds?: number | undefined;
  /** A state the source asserts (a system reporting its camera offline), if any. */
  readonly state?: State | undefined;
  readonly reason?: string | undefined;
  readonly at: number;
}

/** What a tracker remembers; persisted so a restart continues where it stopped. */
export interface TrackerSnapshot {
  state: State;
  reason: string;
  since: number;
  lastProbeAt: number;
  lastOkAt: number;
  latencyMs: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface Transition {
  readonly from: State;
  readonly to: State;
  readonly reason: string;
  readonly at: number;
}

export const isBad = (s: State): boolean => s === State.OFFLINE || s === State.DEGRADED;

/**
 * The status of one target as a small state machine: consecutive failures take it offline,
 * consecutive successes bring it back (hysteresis), fresh measurements and slow answers degrade it,
 * a maintenance window overrides all. Pure: the caller passes the clock.
 */
export class Tracker {
  readonly snap: TrackerSnapshot;
  private gateway: Measurement | undefined;
  private reported: Measurement | undefined;

  constructor(
    private readonly policy: StatusPolicy,
    snapshot?: TrackerSnapshot,
  ) {
    this.snap = snapshot ?? {
      state: State.UNKNOWN,
      reason: "not probed yet",
      since: 0,
      lastProbeAt: 0,
      lastOkAt: 0,
      latencyMs: 0,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
    };
  }

  /** True after one failure that has not yet taken the target offline: confirm it soon. */
  get suspect(): boolean {
    return (
      (this.snap.consecutiveFailures > 0 &&
        this.snap.consecutiveFailures < this.policy.failuresToOffline) ||
      (this.snap.state === State.OFFLINE && this.snap.consecutiveSuccesses > 0)
    );
  }

  probed(result: ProbeResult, now: number, inMaintenance: boolean): Transition | undefined {
    const s = this.snap;
    s.lastProbeAt = now;
    s.latencyMs = Math.round(result.latencyMs);
    if (result.ok) {
      s.lastOkAt = now;
      s.consecutiveFailures = 0;
      s.consecutiveSuccesses++;
    } else {
      s.consecutiveSuccesses = 0;
      s.consecutiveFailures++;
    }
    return this.evaluate(now, inMaintenance, result);
  }

  gatewayStats(m: Measurement, now: number, inMaintenance: boolean): Transition | undefined {
    this.gateway = m;
    return this.evaluate(now, inMaintenance);
  }

  report(m: Measurement, now: number, inMaintenance: boolean): Transition | undefined {
    this.reported = m;
    return this.evaluate(now, inMaintenance);
  }

  /** Re-evaluates (maintenance edges, evidence expiry) without new input. */
  evaluate(now: number, inMaintenance: boolean, last?: ProbeResult): Transition | undefined {
    const [state, reason] = this.decide(now, inMaintenance, last);
    const s = this.snap;
    if (state === s.state) {
      if (reason !== "" && isBad(state)) s.reason = reason;
      return undefined;
    }
    const t: Transition = { from: s.state, to: state, reason, at: now };
    s.state = state;
    s.reason = reason;
    s.since = now;
    return t;
  }

  private decide(now: number, inMaintenance: boolean, last?: ProbeResult): [State, string] {
    const p = this.policy;
    const s = this.snap;
    if (inMaintenance) return [State.MAINTENANCE, "maintenance window"];
    const reported = this.fresh(this.reported, now);
    if (s.consecutiveFailures >= p.failuresToOffline) {
      const why = last && !last.ok ? last.reason : s.reason;
      return [State.OFFLINE, why || "probe failed"];
    }
    if (reported?.state === State.OFFLINE) {
      return [State.OFFLINE, `reported: ${reported.reason || "offline"}`];
    }
    // Hysteresis: an offline target needs `successesToRecover` good probes in a row.
    if (s.state === State.OFFLINE && s.consecutiveSuccesses < p.successesToRecover) {
      return [State.OFFLINE, s.reason];
    }
    // One failure is only a suspicion: keep the state until it is confirmed either way.
    if (s.consecutiveFailures > 0)
      return [s.state === State.MAINTENANCE ? State.UNKNOWN : s.state, s.reason];
    const reasons = this.degradedReasons(now, reported);
    if (reasons.length > 0) return [State.DEGRADED, reasons.join("; ")];
    if (s.lastOkAt === 0 && reported === undefined && this.fresh(this.gateway, now) === undefined)
      return [State.UNKNOWN, "not probed yet"];
    return [State.ONLINE, ""];
  }

  private degradedReasons(now: number, reported: Measurement | undefined): string[] {
    const p = this.policy;
    const out: string[] = [];
    if (this.snap.lastOkAt > 0 && this.snap.latencyMs > p.slowMs) {
      out.push(`slow: ${this.snap.latencyMs} ms > ${p.slowMs} ms`);
    }
    for (const [source, m] of [
      ["gateway", this.fresh(this.gateway, now)],
      ["reported", reported],
    ] as const) {
      if (m === undefined) continue;
      if (m.state === State.DEGRADED) out.push(`${source}: ${m.reason || "degraded"}`);
      if (m.state === State.OFFLINE) out.push(`${source}: ${m.reason || "upstream failed"}`);
      if (p.minFps > 0 && m.fps !== undefined && m.fps < p.minFps) {
        out.push(`${source} fps ${m.fps.toFixed(1)} < ${p.minFps}`);
      }
      if (p.minBitrateKbps > 0 && m.bitrateKbps !== undefined && m.bitrateKbps < p.minBitrateKbps) {
        out.push(`${source} bitrate ${Math.round(m.bitrateKbps)} kbit/s < ${p.minBitrateKbps}`);
      }
      if (m.recordingGapSeconds !== undefined && m.recordingGapSeconds > p.maxRecordingGapSeconds) {
        out.push(`recording gap ${m.recordingGapSeconds} s in the last hour`);
      }
    }
    return out;
  }

  private fresh(m: Measurement | undefined, now: number): Measurement | undefined {
    return m !== undefined && now - m.at <= this.policy.evidenceTtlMs ? m : undefined;
  }
}
