export interface WheelOptions {
  /** Width of one slot; every tick dispatches the slots that came due (default 10 ms). */
  readonly slotMs: number;
  /** Probes running at once at most; due probes beyond it wait in a FIFO (the budget). */
  readonly maxInFlight: number;
  /** Random jitter added to each next due time, as a share of the target's cycle (default 0.02). */
  readonly jitter: number;
  /**
   * Pace budget: probes may start at most this factor above the steady rate (Σ 1/cycle), with a
   * bucket of two slots' worth, so a catch-up after an event-loop stall is spread out instead of
   * fired at once (default 1.5; never below 100 probes/s and a bucket of 10).
   */
  readonly pace?: number;
  readonly now: () => number;
  readonly random?: () => number;
  /** Runs one probe; the wheel counts it in flight until the promise settles. */
  readonly run: (id: string) => Promise<void>;
}

interface Entry {
  cycleMs: number;
  /** Generation: bumped on re-add/remove so stale slot entries are skipped. */
  gen: number;
}

/** FNV-1a: the target's fixed phase within its cycle, so N targets spread evenly and stably. */
export function phaseOf(id: string, cycleMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) / 0x1_0000_0000) * cycleMs;
}

/**
 * A hashed timing wheel that paces probes: each target has a fixed phase within its cycle (hash of
 * its id), so N targets on a C ms cycle give about N·slot/C probes per slot and never a burst; a
 * small per-cycle jitter keeps targets from locking step with anything periodic on their side.
 * Concurrency is bounded (`maxInFlight`); a target is never probed twice at once. `soon(id, ms)`
 * schedules a one-off confirmation probe (used after a first failure).
 */
export class ProbeWheel {
  private readonly entries = new Map<string, Entry>();
  private readonly slots = new Map<number, { id: string; gen: number; once: boolean }[]>();
  private readonly ready: string[] = [];
  private readyHead = 0;
  private readonly inFlight = new Set<string>();
  private lastSlot: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly random: () => number;
  /** Probes started, and the largest backlog seen (for metrics and the benchmark). */
  started = 0;
  maxBacklog = 0;
  /** Sum of how late probes started versus their slot, and the worst case. */
  lateMsSum = 0;
  lateMsMax = 0;
  private readonly dueAt = new Map<string, number>();
  private nextGen = 0;
  private readonly queued = new Map<string, number>();
  /** Steady probe rate in probes per ms (Σ 1/cycle over targets). */
  private rate = 0;
  private tokens = 10;
  private refilledAt: number;

  constructor(private readonly o: WheelOptions) {
    this.random = o.random ?? Math.random;
    this.lastSlot = Math.floor(o.now() / o.slotMs);
    this.refilledAt = o.now();
  }

  get size(): number {
    return this.entries.size;
  }
  get running(): number {
    return this.inFlight.size;
  }
  get backlog(): number {
    return this.ready.length - this.readyHead;
  }

  /** Adds or re-times a target; its first probe is at its phase within the current cycle. */
  add(id: string, cycleMs: number): void {
    const prev = this.entries.get(id);
    if (prev !== undefined && prev.cycleMs === cycleMs) return;
    const gen = ++this.nextGen;
    if (prev !== undefined) this.rate -= 1 / prev.cycleMs;
    this.rate += 1 / cycleMs;
    this.entries.set(id, { cycleMs, gen });
    const now = this.o.now();
    let base = Math.floor(now / cycleMs) * cycleMs + phaseOf(id, cycleMs);
    // A phase whose slot has already been dispatched waits for the next cycle (no pile-up now).
    if (Math.floor(base / this.o.slotMs) <= this.lastSlot) base += cycleMs;
    this.place(id, gen, base, false);
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (e !== undefined) this.rate -= 1 / e.cycleMs;
    this.entries.delete(id);
    this.dueAt.delete(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** A one-off extra probe about `delayMs` from now (the regular schedule continues). */
  soon(id: string, delayMs: number): void {
    const e = this.entries.get(id);
    if (e !== undefined) this.place(id, e.gen, this.o.now() + delayMs, true);
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.o.slotMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Dispatches every slot that came due since the last tick; returns how many probes started. */
  tick(): number {
    const now = this.o.now();
    const current = Math.floor(now / this.o.slotMs);
    for (let s = this.lastSlot + 1; s <= current; s++) {
      const due = this.slots.get(s);
      if (due === undefined) continue;
      this.slots.delete(s);
      for (const item of due) {
        const e = this.entries.get(item.id);
        if (e === undefined || e.gen !== item.gen) continue;
        if (!item.once) {
          const next = (this.dueAt.get(item.id) ?? s * this.o.slotMs) + e.cycleMs;
          const jitter = (this.random() * 2 - 1) * this.o.jitter * e.cycleMs;
          this.place(item.id, e.gen, next, false, jitter);
        }
        if (!this.queued.has(item.id)) {
          this.queued.set(item.id, s * this.o.slotMs);
          this.ready.push(item.id);
        }
      }
    }
    this.lastSlot = Math.max(this.lastSlot, current);
    this.maxBacklog = Math.max(this.maxBacklog, this.backlog);
    return this.drain(now);
  }

  private refill(now: number): void {
    const pace = Math.max(this.rate * (this.o.pace ?? 1.5), 0.1);
    const cap = Math.max(pace * this.o.slotMs * 2, 10);
    this.tokens = Math.min(cap, this.tokens + (now - this.refilledAt) * pace);
    this.refilledAt = now;
  }

  private drain(now: number): number {
    let n = 0;
    this.refill(now);
    while (
      this.readyHead < this.ready.length &&
      this.inFlight.size < this.o.maxInFlight &&
      this.tokens >= 1
    ) {
      const id = this.ready[this.readyHead++] as string;
      const dueAt = this.queued.get(id) ?? now;
      this.queued.delete(id);
      if (this.inFlight.has(id) || !this.entries.has(id)) continue;
      this.tokens--;
      this.inFlight.add(id);
      this.started++;
      n++;
      const late = Math.max(0, now - dueAt);
      this.lateMsSum += late;
      if (late > this.lateMsMax) this.lateMsMax = late;
      this.o.run(id).then(
        () => this.done(id),
        () => this.done(id),
      );
    }
    if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
    return n;
  }

  private done(id: string): void {
    this.inFlight.delete(id);
    if (this.backlog > 0) this.drain(this.o.now());
  }

  private place(id: string, gen: number, at: number, once: boolean, jitter = 0): void {
    // The nominal due time stays on the grid; jitter only moves the slot it lands in.
    if (!once) this.dueAt.set(id, at);
    const slot = Math.max(this.lastSlot + 1, Math.floor((at + jitter) / this.o.slotMs));
    const list = this.slots.get(slot);
    if (list === undefined) this.slots.set(slot, [{ id, gen, once }]);
    else list.push({ id, gen, once });
  }
}
