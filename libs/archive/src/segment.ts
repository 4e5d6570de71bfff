import { VisError } from "@vis/errors";

export const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One recorded segment: an FLV file that starts with a keyframe, covering [startMs, endMs). */
export interface SegmentRef {
  readonly camera: string;
  /** Wall-clock time of the first frame, epoch ms. */
  readonly startMs: number;
  /** Wall-clock time just after the last frame, epoch ms. */
  readonly endMs: number;
  /** The store key: `seg/<camera>/<startMs>-<durationMs>.flv` (rebuildable from a listing). */
  readonly key: string;
}

const KEY = /^seg\/([A-Za-z0-9_-]{1,64})\/(\d{1,15})-(\d{1,9})\.flv$/;

export function segmentKey(camera: string, startMs: number, endMs: number): string {
  if (!CAMERA_ID.test(camera)) {
    throw new VisError("invalid_argument", "camera id must match [A-Za-z0-9_-]{1,64}", {
      field: "camera",
    });
  }
  if (!Number.isInteger(startMs) || !Number.isInteger(endMs) || endMs <= startMs || startMs < 0) {
    throw new VisError("invalid_argument", "a segment needs integer 0 <= start < end (ms)", {
      field: "segment.end_ms",
    });
  }
  return `seg/${camera}/${String(startMs).padStart(15, "0")}-${endMs - startMs}.flv`;
}

/** Reads a segment's camera and time span back from its key; undefined for other keys. */
export function parseSegmentKey(key: string): SegmentRef | undefined {
  const m = KEY.exec(key);
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const startMs = Number(m[2]);
  return { camera: m[1], startMs, endMs: startMs + Number(m[3]), key };
}
