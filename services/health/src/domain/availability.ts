import { State } from "@vis/proto/vis/health/v1/status_pb";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const MONTH_MS = 30 * DAY_MS;

/** Up = online or degraded; counted = up or offline. Unknown and maintenance time is not counted. */
const isUp = (s: State) => s === State.ONLINE || s === State.DEGRADED;
const counts = (s: State) => isUp(s) || s === State.OFFLINE;

/**
 * A target's state history as change points `[time, state]`, kept for 30 days (plus the change
 * in force at the window's start). Availability over a window is up time over counted time.
 */
export class Timeline {
  private readonly points: [number, State][];

  constructor(
    points: readonly (readonly [number, State])[] = [],
    private readonly maxPoints = 5000,
  ) {
    this.points = points.map(([t, s]) => [t, s]);
  }

  record(at: number, state: State): void {
    const last = this.points[this.points.length - 1];
    if (last !== undefined && last[1] === state) return;
    if (last !== undefined && at < last[0]) at = last[0];
    this.points.push([at, state]);
    this.prune(at);
  }

  /** Share of counted time that was up in (now − windowMs, now]; −1 when nothing counted. */
  availability(now: number, windowMs: number): number {
    const from = now - windowMs;
    let up = 0;
    let counted = 0;
    for (let i = 0; i < this.points.length; i++) {
      const [start, state] = this.points[i] as [number, State];
      const end = this.points[i + 1]?.[0] ?? now;
      const a = Math.max(start, from);
      const b = Math.min(end, now);
      if (b <= a || !counts(state)) continue;
      counted += b - a;
      if (isUp(state)) up += b - a;
    }
    return counted === 0 ? -1 : up / counted;
  }

  /** Compact form for storage: `t:s,t:s`. */
  encode(): string {
    return this.points.map(([t, s]) => `${t}:${s}`).join(",");
  }

  static decode(text: string): Timeline {
    const points: [number, State][] = [];
    for (const part of text.split(",")) {
      const [t, s] = part.split(":");
      const time = Number(t);
      const state = Number(s);
      if (Number.isFinite(time) && Number.isInteger(state)) points.push([time, state as State]);
    }
    return new Timeline(points);
  }

  get length(): number {
    return this.points.length;
  }

  private prune(now: number): void {
    const cutoff = now - MONTH_MS;
    // Keep the last point before the cutoff: it says what state the window started in.
    let drop = 0;
    while (drop + 1 < this.points.length && (this.points[drop + 1]?.[0] ?? 0) <= cutoff) drop++;
    if (this.points.length - drop > this.maxPoints) drop = this.points.length - this.maxPoints;
    if (drop > 0) this.points.splice(0, drop);
  }
}
