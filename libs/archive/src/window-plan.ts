import { VisError } from "@vis/errors";
import type { SegmentRef } from "./segment.ts";

/** A window of recorded time, epoch ms, `fromMs` inclusive, `toMs` exclusive. */
export interface WindowMs {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The segments to read for a window, in time order, and the holes in it. */
export interface WindowPlan {
  readonly segments: readonly SegmentRef[];
  /** Parts of the window no segment covers (recording gaps), longer than `toleranceMs`. */
  readonly gaps: readonly WindowMs[];
}

export const MAX_WINDOW_MS = 24 * 3600_000;

/** Validates a requested window; messages name the field. */
export function checkWindow(fromMs: number, toMs: number, maxMs = MAX_WINDOW_MS): WindowMs {
  if (!Number.isSafeInteger(fromMs) || fromMs < 0) {
    throw new VisError("invalid_argument", "start must be epoch milliseconds", { field: "start" });
  }
  if (!Number.isSafeInteger(toMs) || toMs <= fromMs) {
    throw new VisError("invalid_argument", "end must be epoch milliseconds after start", {
      field: "end",
    });
  }
  if (toMs - fromMs > maxMs) {
    throw new VisError("out_of_range", `a window is at most ${maxMs / 60_000} minutes`, {
      field: "end",
    });
  }
  return { fromMs, toMs };
}

/**
 * Picks the segments overlapping [from, to) from `candidates` (any order, may include extra) and
 * reports uncovered stretches longer than `toleranceMs`.
 */
export function planWindow(
  candidates: readonly SegmentRef[],
  window: WindowMs,
  toleranceMs = 1000,
): WindowPlan {
  const segments = candidates
    .filter((s) => s.endMs > window.fromMs && s.startMs < window.toMs)
    .sort((a, b) => a.startMs - b.startMs);
  const gaps: WindowMs[] = [];
  let covered = window.fromMs;
  for (const s of segments) {
    if (s.startMs - covered > toleranceMs) gaps.push({ fromMs: covered, toMs: s.startMs });
    covered = Math.max(covered, s.endMs);
  }
  if (window.toMs - covered > toleranceMs) gaps.push({ fromMs: covered, toMs: window.toMs });
  return { segments, gaps };
}
