import { canonicalJson, sha256Hex } from "./canonical.ts";

/** The chain starts from this "previous hash". */
export const GENESIS = "0".repeat(64);

/** One link of a camera's manifest: a segment was stored, or removed after its retention. */
export interface ManifestRecord {
  readonly v: 1;
  readonly camera: string;
  /** 0, 1, 2 … per camera, no gaps. */
  readonly seq: number;
  readonly kind: "segment" | "removed";
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly bytes: number;
  /** sha256 of the segment's bytes. */
  readonly sha256: string;
  /** `hash` of the record before (GENESIS for seq 0). */
  readonly prev: string;
  /** When the record was written, epoch ms. */
  readonly at: number;
  /** Why a segment was removed (`retention expired`), empty for stored segments. */
  readonly reason: string;
  /** sha256 of the canonical JSON of every other field. */
  readonly hash: string;
}

export type RecordBody = Omit<ManifestRecord, "v" | "seq" | "prev" | "hash" | "camera">;

export function manifestKey(camera: string, seq: number): string {
  return `man/${camera}/${String(seq).padStart(12, "0")}.json`;
}

/** Builds the next link after `head` (undefined = first). */
export function nextRecord(
  camera: string,
  head: ManifestRecord | undefined,
  body: RecordBody,
): ManifestRecord {
  const unsigned = {
    v: 1 as const,
    camera,
    seq: head === undefined ? 0 : head.seq + 1,
    kind: body.kind,
    key: body.key,
    startMs: body.startMs,
    endMs: body.endMs,
    bytes: body.bytes,
    sha256: body.sha256,
    prev: head === undefined ? GENESIS : head.hash,
    at: body.at,
    reason: body.reason,
  };
  return { ...unsigned, hash: recordHash(unsigned) };
}

export function recordHash(r: Omit<ManifestRecord, "hash">): string {
  const { hash: _drop, ...rest } = r as ManifestRecord;
  return sha256Hex(canonicalJson(rest));
}

export interface ChainProblem {
  readonly seq: number;
  readonly key: string;
  readonly problem:
    | "record_altered"
    | "chain_broken"
    | "sequence_gap"
    | "segment_altered"
    | "segment_missing"
    /** A stored segment no record links (inserted, or stored just before a crash: see recover). */
    | "segment_unlinked";
}

/**
 * Checks a camera's records in order: each record's own hash, its link to the one before, no
 * missing sequence numbers; and, given `segmentHash` (sha256 of the stored bytes, undefined when
 * absent), that every segment not removed by a later record is present and unaltered.
 */
export function verifyChain(
  records: readonly ManifestRecord[],
  segmentHash?: (key: string) => string | undefined,
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = GENESIS;
  const removed = new Set(records.filter((r) => r.kind === "removed").map((r) => r.key));
  records.forEach((r, i) => {
    if (r.seq !== i) problems.push({ seq: r.seq, key: r.key, problem: "sequence_gap" });
    if (recordHash(r) !== r.hash)
      problems.push({ seq: r.seq, key: r.key, problem: "record_altered" });
    if (r.prev !== prev) problems.push({ seq: r.seq, key: r.key, problem: "chain_broken" });
    prev = r.hash;
    if (segmentHash === undefined || r.kind !== "segment" || removed.has(r.key)) return;
    const actual = segmentHash(r.key);
    if (actual === undefined) problems.push({ seq: r.seq, key: r.key, problem: "segment_missing" });
    else if (actual !== r.sha256) {
      problems.push({ seq: r.seq, key: r.key, problem: "segment_altered" });
    }
  });
  return problems;
}
