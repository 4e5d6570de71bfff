import { VisError } from "@vis/errors";
import type { SegmentRef } from "./segment.ts";

export const DAY_MS = 86_400_000;
/** Art. 21(7): recordings are kept at least 30 days. */
export const MIN_RETENTION_DAYS = 30;

/** A legal hold: footage of a camera in a window is kept past retention for a case or grant. */
export interface LegalHold {
  readonly id: string;
  readonly camera: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** What the hold is for: a case number, or the grant the footage was retrieved under. */
  readonly caseId: string;
  readonly grantId: string;
  readonly placedAt: number;
  /** The agency that placed it (only it may release it); "" on holds placed before this was kept. */
  readonly agencyId?: string;
  /** The officers who placed it (work ids). */
  readonly officers?: readonly string[];
}

/** The end of a legal hold: written once, next to the hold; the hold itself is never rewritten. */
export interface HoldRelease {
  readonly holdId: string;
  readonly camera: string;
  readonly releasedAt: number;
  readonly agencyId: string;
  readonly officers: readonly string[];
  /** The grant the release was made under. */
  readonly grantId: string;
  readonly reason: string;
}

/** Retention days for a system, refusing anything under the Art. 21(7) minimum. */
export function checkRetentionDays(days: number, field = "retention_days"): number {
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS) {
    throw new VisError(
      "invalid_argument",
      `retention must be a whole number of days, at least ${MIN_RETENTION_DAYS}`,
      { field, article: "Art. 21(7)" },
    );
  }
  return days;
}

/** The instant a segment leaves retention: its last frame plus the retention period. */
export function retainedUntil(segment: SegmentRef, retentionDays: number): number {
  return segment.endMs + checkRetentionDays(retentionDays) * DAY_MS;
}

/** Holds that cover any part of the segment. */
export function holdsOn(segment: SegmentRef, holds: readonly LegalHold[]): LegalHold[] {
  return holds.filter(
    (h) => h.camera === segment.camera && h.fromMs < segment.endMs && h.toMs > segment.startMs,
  );
}

/**
 * Refuses a deletion or rewrite of a segment inside retention (Art. 22(3)) or under a legal hold.
 * Returns nothing when the segment may go.
 */
export function assertRemovable(
  segment: SegmentRef,
  retentionDays: number,
  holds: readonly LegalHold[],
  now: number,
): void {
  const until = retainedUntil(segment, retentionDays);
  if (now < until) {
    throw new VisError(
      "failed_precondition",
      `${segment.key} is inside its ${retentionDays}-day retention until ${new Date(until).toISOString()}; recordings must not be deleted or altered within retention`,
      { field: "key", article: "Art. 22(3)" },
    );
  }
  const held = holdsOn(segment, holds);
  if (held.length > 0) {
    throw new VisError(
      "failed_precondition",
      `${segment.key} is under legal hold ${held.map((h) => h.id).join(", ")}`,
      { field: "key" },
    );
  }
}

export interface RetentionPlan {
  /** Past retention and not held: removed by the sweep. */
  readonly remove: readonly SegmentRef[];
  /** Past retention but held, with the holds that keep them. */
  readonly held: readonly { segment: SegmentRef; holds: readonly string[] }[];
  /** Still inside retention. */
  readonly kept: number;
}

/** Decides, at `now`, which segments the sweep removes. Pure: the clock is an argument. */
export function planRetention(
  segments: readonly SegmentRef[],
  retentionDays: number,
  holds: readonly LegalHold[],
  now: number,
): RetentionPlan {
  checkRetentionDays(retentionDays);
  const remove: SegmentRef[] = [];
  const held: { segment: SegmentRef; holds: string[] }[] = [];
  let kept = 0;
  for (const s of segments) {
    if (now < retainedUntil(s, retentionDays)) {
      kept++;
      continue;
    }
    const h = holdsOn(s, holds);
    if (h.length > 0) held.push({ segment: s, holds: h.map((x) => x.id) });
    else remove.push(s);
  }
  return { remove, held, kept };
}
