import { clone } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type Incident,
  IncidentSchema,
  ProbeProtocol,
  type ProbeTarget,
  State,
} from "@vis/proto/vis/health/v1/status_pb";
import { DAY_MS, HOUR_MS, MONTH_MS, Timeline } from "./domain/availability.ts";
import { IncidentBook, type IncidentChange, type IncidentPolicy } from "./domain/incidents.ts";
import type { StatusPolicy } from "./domain/policy.ts";
import {
  isBad,
  type Measurement,
  type ProbeResult,
  Tracker,
  type Transition,
} from "./domain/tracker.ts";
import type { ProbeFn } from "./probe/probe.ts";
import { ProbeWheel } from "./schedule/probe-wheel.ts";
import type { HealthStore } from "./store/health-store.ts";

export interface MonitorOptions {
  readonly policy: StatusPolicy;
  readonly incidents: IncidentPolicy;
  /** Default probe cycle and timeout (a target's own settings win). */
  readonly cycleMs: number;
  readonly timeoutMs: number;
  /** Delay of the confirmation probe after a first failure (or a first success while offline). */
  readonly confirmDelayMs: number;
  readonly slotMs: number;
  readonly maxInFlight: number;
  readonly jitter: number;
  readonly probe: ProbeFn;
  readonly store: HealthStore;
  readonly now?: () => number;
  readonly onError?: (err: unknown, what: string) => void;
}

/** What the monitor tells the outside (events on NATS, Watch streams, metrics). */
export interface MonitorListener {
  status?(target: ProbeTarget, t: Transition, monitor: Monitor): void;
  incident?(incident: Incident, change: IncidentChange): void;
  probed?(target: ProbeTarget, result: ProbeResult): void;
}

interface Watched {
  target: ProbeTarget;
  tracker: Tracker;
  timeline: Timeline;
}

/**
 * The health monitor's core: the targets, one tracker and state history per target, the probe
 * wheel, and the incident book. Transitions are persisted (batched) and incidents written before
 * they are announced, so a restart continues with the same states and the same open incidents.
 */
export class Monitor {
  readonly wheel: ProbeWheel;
  readonly book: IncidentBook;
  private readonly watched = new Map<string, Watched>();
  private readonly dirty = new Set<string>();
  private readonly impaired = new Set<string>();
  private readonly withMaintenance = new Set<string>();
  private readonly listeners = new Set<MonitorListener>();
  private readonly now: () => number;
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private incidentChain: Promise<void> = Promise.resolve();

  constructor(private readonly o: MonitorOptions) {
    this.now = o.now ?? Date.now;
    this.book = new IncidentBook(o.incidents);
    this.wheel = new ProbeWheel({
      slotMs: o.slotMs,
      maxInFlight: o.maxInFlight,
      jitter: o.jitter,
      now: this.now,
      run: (id) => this.probeOne(id),
    });
  }

  /** Reads targets, trackers and open incidents back from Redis, then starts probing. */
  async start(): Promise<void> {
    const [targets, trackers, open] = await Promise.all([
      this.o.store.loadTargets(),
      this.o.store.loadTrackers(),
      this.o.store.loadOpenIncidents(),
    ]);
    this.book.restore(open);
    for (const target of targets) {
      const saved = trackers.get(target.id);
      this.watch(
        target,
        saved ? new Tracker(this.o.policy, saved.snap) : undefined,
        saved?.timeline,
      );
    }
    this.wheel.start();
    this.flushTimer = setInterval(() => void this.flush(), 250);
    this.sweepTimer = setInterval(() => this.sweep(), 1000);
  }

  async stop(): Promise<void> {
    this.wheel.stop();
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    await this.flush();
    await this.incidentChain;
  }

  listen(l: MonitorListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.watched.size;
  }

  target(id: string): ProbeTarget | undefined {
    return this.watched.get(id)?.target;
  }

  targets(): ProbeTarget[] {
    return [...this.watched.values()].map((w) => w.target);
  }

  tracker(id: string): Tracker | undefined {
    return this.watched.get(id)?.tracker;
  }

  availability(id: string): { hour: number; day: number; month: number } {
    const w = this.watched.get(id);
    const now = this.now();
    if (w === undefined) return { hour: -1, day: -1, month: -1 };
    return {
      hour: w.timeline.availability(now, HOUR_MS),
      day: w.timeline.availability(now, DAY_MS),
      month: w.timeline.availability(now, MONTH_MS),
    };
  }

  countByState(): Map<State, number> {
    const out = new Map<State, number>();
    for (const w of this.watched.values())
      out.set(w.tracker.snap.state, (out.get(w.tracker.snap.state) ?? 0) + 1);
    return out;
  }

  /** Adds or replaces targets (persisted first). */
  async upsert(targets: readonly ProbeTarget[]): Promise<void> {
    await this.o.store.putTargets(targets);
    for (const t of targets) this.watch(t);
  }

  async remove(ids: readonly string[]): Promise<number> {
    const present = ids.filter((id) => this.watched.has(id));
    await this.o.store.deleteTargets(present);
    for (const id of present) {
      this.watched.delete(id);
      this.wheel.remove(id);
      this.impaired.delete(id);
      this.withMaintenance.delete(id);
      this.dirty.delete(id);
      const closed = this.book.withdraw(id, this.now());
      if (closed) this.announceIncident(closed, "closed");
    }
    return present.length;
  }

  /** A connected system's report about one of its targets. */
  report(id: string, m: Measurement): void {
    const w = this.watched.get(id);
    if (w === undefined) return;
    const now = this.now();
    this.after(w, w.tracker.report(m, now, this.inMaintenance(w.target, now)));
  }

  /** Stream stats from a gateway; for a passively watched camera, an upstream that is up is a probe. */
  gatewayStats(id: string, m: Measurement, upstreamUp: boolean): void {
    const w = this.watched.get(id);
    if (w === undefined) return;
    const now = this.now();
    const maint = this.inMaintenance(w.target, now);
    if (w.target.protocol === ProbeProtocol.PASSIVE || w.target.probe?.disabled) {
      const r: ProbeResult = { ok: upstreamUp, latencyMs: 0, reason: m.reason ?? "" };
      w.tracker.gatewayStats(m, now, maint);
      this.after(w, w.tracker.probed(r, now, maint));
      return;
    }
    this.after(w, w.tracker.gatewayStats(m, now, maint));
  }

  cycleOf(t: ProbeTarget): number {
    return t.probe?.intervalSeconds ? t.probe.intervalSeconds * 1000 : this.o.cycleMs;
  }

  private watch(target: ProbeTarget, tracker?: Tracker, timeline?: string): void {
    const prev = this.watched.get(target.id);
    const w: Watched = {
      target,
      tracker: tracker ?? prev?.tracker ?? new Tracker(this.o.policy),
      timeline:
        timeline !== undefined ? Timeline.decode(timeline) : (prev?.timeline ?? new Timeline()),
    };
    this.watched.set(target.id, w);
    if (target.maintenance.length > 0) this.withMaintenance.add(target.id);
    else this.withMaintenance.delete(target.id);
    if (isBad(w.tracker.snap.state) || this.book.openFor(target.id)) this.impaired.add(target.id);
    const active = target.protocol !== ProbeProtocol.PASSIVE && !target.probe?.disabled;
    if (active) this.wheel.add(target.id, this.cycleOf(target));
    else this.wheel.remove(target.id);
  }

  private async probeOne(id: string): Promise<void> {
    const w = this.watched.get(id);
    if (w === undefined) return;
    const cycle = this.cycleOf(w.target);
    const timeout = Math.min(
      w.target.probe?.timeoutMs || this.o.timeoutMs,
      Math.floor(cycle * 0.8),
    );
    const result = await this.o.probe(w.target, timeout);
    if (this.watched.get(id) !== w) return;
    const now = this.now();
    for (const l of this.listeners) l.probed?.(w.target, result);
    const before = w.tracker.snap.consecutiveFailures;
    this.after(w, w.tracker.probed(result, now, this.inMaintenance(w.target, now)));
    if (w.tracker.suspect) this.wheel.soon(id, Math.min(this.o.confirmDelayMs, cycle / 2));
    if (before !== w.tracker.snap.consecutiveFailures && (before === 0 || result.ok))
      this.dirty.add(id);
  }

  private after(w: Watched, t: Transition | undefined): void {
    if (t === undefined) return;
    const id = w.target.id;
    w.timeline.record(t.at, t.to);
    this.dirty.add(id);
    if (isBad(t.to) || t.to === State.MAINTENANCE) this.impaired.add(id);
    for (const l of this.listeners) l.status?.(w.target, t, this);
    this.applyIncident(w, t.at);
    if (t.to === State.ONLINE && !this.book.openFor(id)) this.impaired.delete(id);
  }

  private applyIncident(w: Watched, now: number): void {
    const s = w.tracker.snap;
    const r = this.book.apply(
      w.target,
      s.state,
      { state: s.state, reason: s.reason, since: s.since, lastOkAt: s.lastOkAt },
      now,
    );
    if (r) this.announceIncident(r.incident, r.change);
  }

  /** Writes the incident, then tells listeners; one at a time, in order. */
  private announceIncident(incident: Incident, change: IncidentChange): void {
    const copy = clone(IncidentSchema, incident);
    this.incidentChain = this.incidentChain.then(async () => {
      try {
        await this.o.store.saveIncident(copy);
      } catch (err) {
        this.o.onError?.(err, "save incident");
      }
      for (const l of this.listeners) l.incident?.(copy, change);
    });
  }

  /** Time-based rules: incident thresholds and maintenance windows. */
  private sweep(): void {
    const now = this.now();
    for (const id of this.impaired) {
      const w = this.watched.get(id);
      if (w === undefined) continue;
      this.after(w, w.tracker.evaluate(now, this.inMaintenance(w.target, now)));
      this.applyIncident(w, now);
      if (w.tracker.snap.state === State.ONLINE && !this.book.openFor(id)) this.impaired.delete(id);
    }
    for (const id of this.withMaintenance) {
      const w = this.watched.get(id);
      if (w === undefined || this.impaired.has(id)) continue;
      this.after(w, w.tracker.evaluate(now, this.inMaintenance(w.target, now)));
    }
  }

  private inMaintenance(t: ProbeTarget, now: number): boolean {
    for (const m of t.maintenance) {
      if (
        m.start &&
        m.end &&
        timestampDate(m.start).getTime() <= now &&
        now < timestampDate(m.end).getTime()
      )
        return true;
    }
    return false;
  }

  private async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const entries: [string, { snap: Tracker["snap"]; timeline: string }][] = [];
    for (const id of ids) {
      const w = this.watched.get(id);
      if (w) entries.push([id, { snap: { ...w.tracker.snap }, timeline: w.timeline.encode() }]);
    }
    try {
      await this.o.store.saveTrackers(entries);
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      this.o.onError?.(err, "save trackers");
    }
  }
}
