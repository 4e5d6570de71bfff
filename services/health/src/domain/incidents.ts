import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type Incident,
  IncidentSchema,
  IncidentState,
  type ProbeTarget,
  State,
} from "@vis/proto/vis/health/v1/status_pb";
import { isBad } from "./tracker.ts";

export interface IncidentPolicy {
  /** A target offline this long opens an incident (0: at once). */
  readonly openAfterOfflineMs: number;
  /** A target degraded this long opens an incident. */
  readonly openAfterDegradedMs: number;
  /** Repair is overdue this long after detection. */
  readonly repairDeadlineMs: number;
}

export type IncidentChange = "opened" | "updated" | "closed";

/** What the book needs to know about the target's current fault. */
export interface Fault {
  readonly state: State;
  readonly reason: string;
  /** When the current bad state began (detection). */
  readonly since: number;
  /** Last time seen healthy (0 when never). */
  readonly lastOkAt: number;
}

const ms = (t: Timestamp | undefined) => (t ? timestampDate(t).getTime() : 0);

/**
 * Incidents with de-duplication: at most one open incident per target. It opens once the target has
 * been offline or degraded past the threshold, is updated when the fault worsens (degraded → offline),
 * stays open through maintenance and while still impaired, and closes when the target is online.
 */
export class IncidentBook {
  private readonly open = new Map<string, Incident>();

  constructor(private readonly policy: IncidentPolicy) {}

  /** Loads open incidents kept across a restart. */
  restore(incidents: readonly Incident[]): void {
    for (const i of incidents) if (i.state === IncidentState.OPEN) this.open.set(i.targetId, i);
  }

  openFor(targetId: string): Incident | undefined {
    return this.open.get(targetId);
  }

  openIncidents(): Incident[] {
    return [...this.open.values()];
  }

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Applies the target's current state; returns the incident and what happened to it, if anything.
   * Call on every transition and periodically for targets still impaired (thresholds are time-based).
   */
  apply(
    target: ProbeTarget,
    state: State,
    fault: Fault,
    now: number,
  ): { incident: Incident; change: IncidentChange } | undefined {
    const current = this.open.get(target.id);
    if (state === State.ONLINE) {
      if (current === undefined) return undefined;
      this.open.delete(target.id);
      current.state = IncidentState.CLOSED;
      current.closedAt = timestampFromMs(now);
      current.timeToRepairMs = BigInt(Math.max(0, now - ms(current.detectedAt)));
      current.overdue = now > ms(current.repairDueAt);
      return { incident: current, change: "closed" };
    }
    if (!isBad(state)) return undefined;
    if (current !== undefined) {
      if (state === State.OFFLINE && current.severity !== State.OFFLINE) {
        current.severity = State.OFFLINE;
        current.reason = fault.reason;
        return { incident: current, change: "updated" };
      }
      return undefined;
    }
    const threshold =
      state === State.OFFLINE ? this.policy.openAfterOfflineMs : this.policy.openAfterDegradedMs;
    if (now - fault.since < threshold) return undefined;
    const faultStart = fault.lastOkAt > 0 ? Math.min(fault.lastOkAt, fault.since) : fault.since;
    const incident = create(IncidentSchema, {
      id: `${target.id}:${fault.since.toString(36)}`,
      targetId: target.id,
      kind: target.kind,
      name: target.name,
      state: IncidentState.OPEN,
      severity: state,
      reason: fault.reason,
      systemId: target.systemId,
      agencyId: target.agencyId,
      district: target.district,
      operator: target.operator,
      faultStartedAt: timestampFromMs(faultStart),
      detectedAt: timestampFromMs(fault.since),
      openedAt: timestampFromMs(now),
      timeToDetectMs: BigInt(Math.max(0, fault.since - faultStart)),
      repairDueAt: timestampFromMs(fault.since + this.policy.repairDeadlineMs),
    });
    this.open.set(target.id, incident);
    return { incident, change: "opened" };
  }

  /** Closes the open incident of a target no longer watched. */
  withdraw(targetId: string, now: number): Incident | undefined {
    const current = this.open.get(targetId);
    if (current === undefined) return undefined;
    this.open.delete(targetId);
    current.state = IncidentState.CLOSED;
    current.reason = `${current.reason} (target removed)`;
    current.closedAt = timestampFromMs(now);
    current.timeToRepairMs = 0n;
    return current;
  }

  /** Open incidents past their repair deadline, grouped by operator, oldest first. */
  overdue(now: number, operator = ""): Map<string, Incident[]> {
    const out = new Map<string, Incident[]>();
    const list = [...this.open.values()]
      .filter((i) => now > ms(i.repairDueAt) && (operator === "" || i.operator === operator))
      .sort((a, b) => ms(a.detectedAt) - ms(b.detectedAt));
    for (const i of list) {
      i.overdue = true;
      const key = i.operator || "(no operator)";
      const group = out.get(key) ?? [];
      group.push(i);
      out.set(key, group);
    }
    return out;
  }
}
