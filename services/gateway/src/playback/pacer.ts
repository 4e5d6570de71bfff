import { setTimeout as delay } from "node:timers/promises";
import { tagTs } from "../archive/segmenter.ts";

const TAG_HEADER = 11;

/** Where one whole FLV tag starts in a chunk, and its timestamp (ms). */
export interface TagMark {
  readonly start: number;
  readonly ts: number;
}

/**
 * The whole FLV tags of `chunk` from `pos` on (a chunk as `WindowCutter` emits it: whole tags,
 * the first one of a play preceded by the FLV header). Bytes after the last whole tag get no mark.
 */
export function flvTagMarks(chunk: Buffer, pos = 0): TagMark[] {
  const marks: TagMark[] = [];
  while (pos + TAG_HEADER <= chunk.length) {
    const end = pos + TAG_HEADER + chunk.readUIntBE(pos + 1, 3) + 4;
    if (end > chunk.length) break;
    marks.push({ start: pos, ts: tagTs(chunk, pos) });
    pos = end;
  }
  return marks;
}

/**
 * The playout rule of a recorded play: media at timestamp `ts` may be sent once
 * `ts ≤ (now − start) + leadMs` — the first `leadMs` of media at once (the player fills its buffer
 * and starts), the rest at real time. A hole in the timestamps longer than `maxStepMs` (a recording
 * gap inside the window) is not waited for: the clock moves on by the hole.
 */
export class PlayoutClock {
  readonly leadMs: number;
  readonly maxStepMs: number;
  readonly #now: () => number;
  #start: number | undefined;
  /** Media time skipped over holes so far. */
  #skipped = 0;
  #lastTs: number | undefined;

  constructor(leadMs: number, now: () => number, maxStepMs = 3000) {
    this.leadMs = leadMs;
    this.maxStepMs = maxStepMs;
    this.#now = now;
  }

  /** Milliseconds to wait before media at `ts` may be sent (0: now). The clock starts at the first call. */
  waitFor(ts: number): number {
    const now = this.#now();
    this.#start ??= now;
    if (this.#lastTs !== undefined && ts - this.#lastTs > this.maxStepMs) {
      this.#skipped += ts - this.#lastTs;
    }
    this.#lastTs = Math.max(this.#lastTs ?? ts, ts);
    return Math.max(0, ts - this.#skipped - this.leadMs - (now - this.#start));
  }
}

export interface PaceOptions {
  /** Media this far ahead of real time is sent at once (the player's start buffer). */
  readonly leadMs: number;
  /** Tags falling due within this much of each other go in one write (default 100 ms). */
  readonly quantumMs?: number;
  /** A hole in the timestamps longer than this is not waited for (default 3000 ms). */
  readonly maxStepMs?: number;
  readonly signal?: AbortSignal;
  /** Wall clock in ms (tests inject one). */
  readonly now?: () => number;
  /** Waits `ms`, or less when `signal` aborts (tests inject one). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * Paces a recorded play's FLV (chunks of whole tags, see `WindowCutter`) at about real time after
 * an initial lead: yields each chunk's tags as they fall due, as slices of the chunk (no copies).
 * Stops early when `signal` aborts. The source is read only as fast as the pace goes, so an
 * operator's recorder relaying the window is read at that pace too.
 */
export async function* paced(
  source: AsyncIterable<Buffer>,
  o: PaceOptions,
): AsyncGenerator<Buffer> {
  const clock = new PlayoutClock(o.leadMs, o.now ?? Date.now, o.maxStepMs);
  const sleep = o.sleep ?? sleepFor;
  const quantum = o.quantumMs ?? 100;
  let first = true;
  for await (const chunk of source) {
    let from = 0;
    if (first && chunk.length >= 9 && chunk.toString("latin1", 0, 3) === "FLV") {
      from = chunk.readUInt32BE(5) + 4;
    }
    first = false;
    let sent = 0;
    for (const mark of flvTagMarks(chunk, from)) {
      for (let wait = clock.waitFor(mark.ts); wait > 0; wait = clock.waitFor(mark.ts)) {
        if (sent < mark.start) {
          yield chunk.subarray(sent, mark.start);
          sent = mark.start;
        }
        await sleep(Math.max(wait, quantum), o.signal);
        if (o.signal?.aborted) return;
      }
    }
    if (sent < chunk.length) yield sent === 0 ? chunk : chunk.subarray(sent);
    if (o.signal?.aborted) return;
  }
}
