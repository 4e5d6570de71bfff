import type { Segment } from "./segments.ts";
import type { TimeWindow } from "./time.ts";

/** One file of a playback, with optional cut points in seconds from the file's start. */
export interface PlanEntry {
  readonly name: string;
  readonly inpointSec?: number;
  readonly outpointSec?: number;
}

export interface PlaybackPlan {
  readonly entries: readonly PlanEntry[];
  /** Estimated wall-clock time of the first video keyframe served. */
  readonly startMs: number;
  /** Estimated wall-clock time of the last packet served. */
  readonly endMs: number;
}

/**
 * Seeking in MPEG-TS lands near the target and copying video starts at the next keyframe, so the
 * in-point is placed a little before the keyframe at or before `start` (segments start on a
 * keyframe and keyframes follow every GOP).
 */
export const SEEK_MARGIN_MS = 250;

/**
 * Picks the segments overlapping a window and the cut points inside the first and last.
 * Returns undefined when nothing was recorded in the window. Gaps between runs are skipped.
 */
export function planPlayback(
  segments: readonly Segment[],
  window: TimeWindow,
  gopMs: number,
): PlaybackPlan | undefined {
  const hit = segments.filter((s) => s.startMs < window.endMs && s.endMs > window.startMs);
  const first = hit[0];
  const last = hit.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const offset = window.startMs - first.startMs;
  const keyframe = offset > 0 ? Math.floor(offset / gopMs) * gopMs : 0;
  const cutEnd = window.endMs < last.endMs;
  const entries = hit.map((s): PlanEntry => {
    const entry: { name: string; inpointSec?: number; outpointSec?: number } = { name: s.name };
    if (s === first && keyframe > 0) entry.inpointSec = (keyframe - SEEK_MARGIN_MS) / 1000;
    if (s === last && cutEnd) entry.outpointSec = (window.endMs - s.startMs) / 1000;
    return entry;
  });
  return {
    entries,
    startMs: first.startMs + keyframe,
    endMs: cutEnd ? window.endMs : last.endMs,
  };
}

/** An ffconcat script for the plan; paths are absolute `file:` URLs under `dir`. */
export function concatScript(dir: string, plan: PlaybackPlan): string {
  const lines = ["ffconcat version 1.0"];
  for (const e of plan.entries) {
    const path = `file:${dir.replace(/\/$/, "")}/${e.name}`.replaceAll("'", "'\\''");
    lines.push(`file '${path}'`);
    if (e.inpointSec !== undefined) lines.push(`inpoint ${e.inpointSec.toFixed(3)}`);
    if (e.outpointSec !== undefined) lines.push(`outpoint ${e.outpointSec.toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}
