import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * V8 only shrinks its heap at a major GC, which an idle-ish gateway may not run for minutes: after
 * a thousand viewers left, their sockets' garbage kept the process ~30 MB above its baseline. When
 * the session count falls by at least `minDrop` (and by half) from its recent peak, this runs one
 * full GC, at most every `minIntervalMs`.
 */
export class MemoryReclaimer {
  readonly #gc: (() => void) | undefined;
  readonly #minDrop: number;
  readonly #minIntervalMs: number;
  #peak = 0;
  #current = 0;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(minDrop = 100, minIntervalMs = 10_000) {
    this.#minDrop = minDrop;
    this.#minIntervalMs = minIntervalMs;
    try {
      setFlagsFromString("--expose-gc");
      this.#gc = runInNewContext("gc") as () => void;
    } catch {
      this.#gc = undefined;
    }
  }

  /** Call whenever the session count changes. */
  observe(sessions: number): void {
    this.#current = sessions;
    this.#peak = Math.max(this.#peak, sessions);
    if (this.#gc === undefined || this.#timer !== undefined) return;
    if (this.#peak - sessions < this.#minDrop || sessions > this.#peak / 2) return;
    const wait = Math.max(1000, this.#last + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#last = Date.now();
      this.#peak = this.#current;
      this.#gc?.();
    }, wait);
    this.#timer.unref();
  }
}
