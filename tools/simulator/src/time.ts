import { VisError } from "@vis/errors";

/** ISO 8601 with a date, a time and an explicit zone (`Z` or `±hh:mm`); local times are ambiguous. */
const ISO_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const EPOCH_MS = /^\d{1,15}$/;

/**
 * Reads a playback time parameter: epoch milliseconds (`1732867200000`) or ISO 8601 with a zone
 * (`2024-11-29T08:00:00Z`). Throws `invalid_argument` naming `field` when missing or malformed.
 */
export function parseTimeParam(value: string | null | undefined, field: string): number {
  if (value === null || value === undefined || value === "") {
    throw new VisError("invalid_argument", `${field} is required (ISO 8601 or epoch ms)`, {
      field,
    });
  }
  let ms = Number.NaN;
  if (EPOCH_MS.test(value)) ms = Number(value);
  else if (ISO_WITH_ZONE.test(value)) ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new VisError(
      "invalid_argument",
      `${field} must be epoch milliseconds or ISO 8601 with a zone, e.g. 2024-11-29T08:00:00Z`,
      { field },
    );
  }
  return ms;
}

/** A validated playback window. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Parses `start` and `end`, then checks order and length against `maxWindowMs`. */
export function parseWindow(
  start: string | null | undefined,
  end: string | null | undefined,
  maxWindowMs: number,
): TimeWindow {
  const startMs = parseTimeParam(start, "start");
  const endMs = parseTimeParam(end, "end");
  if (endMs <= startMs) {
    throw new VisError("invalid_argument", "end must be after start", { field: "end" });
  }
  if (endMs - startMs > maxWindowMs) {
    throw new VisError(
      "invalid_argument",
      `the window may be at most ${maxWindowMs / 1000} s long (end - start)`,
      { field: "end" },
    );
  }
  return { startMs, endMs };
}
