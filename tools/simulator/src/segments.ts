/**
 * Recorded segments on disk. Each camera run (one recorder process) writes MPEG-TS files named
 * `<epoch seconds at open>-<run start ms>.ts` (ffmpeg's segment muxer expands `%s` when it opens a
 * file). A file's start is its name, refined to sub-second precision from the previous file's
 * last write (or the run's start); its end is its own last write (mtime).
 */

/** A directory entry as read from disk. */
export interface SegmentFile {
  readonly name: string;
  readonly mtimeMs: number;
}

/** One recorded segment with its wall-clock span. */
export interface Segment {
  readonly name: string;
  /** Run id: the wall-clock ms at which its recorder process started. */
  readonly runMs: number;
  readonly startMs: number;
  readonly endMs: number;
}

const NAME = /^(\d{9,11})-(\d{12,14})\.ts$/;

/** The segment muxer's filename pattern for a run that started at `runMs`. */
export function segmentPattern(runMs: number): string {
  return `%s-${runMs}.ts`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** Turns directory entries into segments sorted by start; ignores files that are not segments. */
export function timeline(files: readonly SegmentFile[]): Segment[] {
  const parsed = files
    .map((f) => ({ f, m: NAME.exec(f.name) }))
    .flatMap(({ f, m }) =>
      m === null
        ? []
        : [{ name: f.name, sec: Number(m[1]), runMs: Number(m[2]), mtimeMs: f.mtimeMs }],
    )
    .sort((a, b) => a.sec - b.sec || a.runMs - b.runMs);
  const out: Segment[] = [];
  for (const p of parsed) {
    const prev = out.at(-1);
    const hint = prev !== undefined && prev.runMs === p.runMs ? prev.endMs : p.runMs;
    const startMs = clamp(hint, p.sec * 1000, p.sec * 1000 + 999);
    out.push({ name: p.name, runMs: p.runMs, startMs, endMs: Math.max(p.mtimeMs, startMs) });
  }
  return out;
}

/** The span covered by recordings, or undefined when there are none. */
export function recordedRange(
  segments: readonly Segment[],
): { startMs: number; endMs: number } | undefined {
  const first = segments[0];
  if (first === undefined) return undefined;
  return { startMs: first.startMs, endMs: Math.max(...segments.map((s) => s.endMs)) };
}

/** Segments whose last write is older than the retention, oldest first. */
export function expired(
  segments: readonly Segment[],
  nowMs: number,
  retentionMs: number,
): Segment[] {
  return segments.filter((s) => s.endMs < nowMs - retentionMs);
}
