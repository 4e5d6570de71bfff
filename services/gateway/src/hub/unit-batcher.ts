import type { FlvUnit } from "../flv/flv-demuxer.ts";

/**
 * Merges consecutive media units that arrive within `windowMs` into one unit, so each viewer gets
 * one socket write per window instead of one per tag. A keyframe always starts a new batch (so a
 * batch that starts with a keyframe is still a clean joining point); configs and metadata pass
 * through at once, after flushing what was pending. The merge is one copy, shared by all viewers.
 */
export class UnitBatcher {
  readonly #windowMs: number;
  readonly #emit: (units: FlvUnit[]) => void;
  #pending: FlvUnit[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(windowMs: number, emit: (units: FlvUnit[]) => void) {
    this.#windowMs = windowMs;
    this.#emit = emit;
  }

  push(units: readonly FlvUnit[]): void {
    if (this.#windowMs <= 0) {
      this.#emit([...units]);
      return;
    }
    const out: FlvUnit[] = [];
    for (const u of units) {
      if (u.kind === "keyframe" || (u.kind !== "media" && this.#pending.length > 0)) {
        const merged = this.#merge();
        if (merged) out.push(merged);
      }
      if (u.kind === "keyframe" || u.kind === "media") this.#pending.push(u);
      else out.push(u);
    }
    if (out.length > 0) this.#emit(out);
    if (this.#pending.length > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#windowMs);
    }
  }

  /** Emits whatever is pending now. */
  flush(): void {
    const merged = this.#merge();
    if (merged) this.#emit([merged]);
  }

  /** Drops what is pending (the upstream restarted). */
  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  #merge(): FlvUnit | undefined {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const list = this.#pending;
    this.#pending = [];
    const first = list[0];
    if (first === undefined) return undefined;
    if (list.length === 1) return first;
    return {
      kind: first.kind,
      timestamp: first.timestamp,
      data: Buffer.concat(list.map((u) => u.data)),
      tags: list.reduce((s, u) => s + u.tags, 0),
      videoFrames: list.reduce((s, u) => s + u.videoFrames, 0),
    };
  }
}
