import { fromBinary } from "@bufbuild/protobuf";
import { type LogEntry, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import type { Jwks } from "../keys.ts";
import { type SignedCheckpoint, verifyCheckpoint } from "./checkpoint.ts";
import { equalHash, type Hash, leafHash, MerkleLog } from "./merkle.ts";

export const ZERO_HASH: Hash = new Uint8Array(32);

/** What the verifier found wrong, at which position of the stored log. */
export interface LogProblem {
  readonly index: number;
  readonly kind:
    | "altered"
    | "removed"
    | "inserted"
    | "reordered"
    | "undecodable"
    | "truncated"
    | "bad_checkpoint";
  readonly message: string;
}

export interface LogReport {
  readonly ok: boolean;
  /** Entries read. */
  readonly size: number;
  /** Checkpoints whose signature and root matched. */
  readonly checkpointsVerified: number;
  readonly problems: readonly LogProblem[];
  /** The Merkle tree of the stored entries, for proofs. */
  readonly tree: MerkleLog;
}

interface Parsed {
  readonly entry: LogEntry | undefined;
  readonly leaf: Hash;
}

/**
 * Verifies a stored registration log: every entry decodes, carries its own position (`index`) and
 * the leaf hash of the one before it (`prev_leaf_hash`), and every signed checkpoint's root equals
 * the Merkle root of that many stored entries. Names the index of the first altered, removed,
 * reordered or inserted entry.
 */
export function verifyLog(
  data: readonly Uint8Array[],
  checkpoints: readonly SignedCheckpoint[],
  jwks: Jwks,
): LogReport {
  const tree = new MerkleLog();
  const parsed: Parsed[] = data.map((bytes) => {
    const leaf = leafHash(bytes);
    tree.append(leaf);
    let entry: LogEntry | undefined;
    try {
      entry = fromBinary(LogEntrySchema, bytes);
    } catch {
      entry = undefined;
    }
    return { entry, leaf };
  });
  const problems: LogProblem[] = [];
  const first = firstChainProblem(parsed);
  if (first !== undefined) problems.push(first);
  let verified = 0;
  for (const c of checkpoints) {
    if (!verifyCheckpoint(c, jwks)) {
      problems.push({
        index: c.size,
        kind: "bad_checkpoint",
        message: `checkpoint of size ${c.size}: signature does not verify`,
      });
      continue;
    }
    if (c.size > data.length) {
      problems.push({
        index: data.length,
        kind: "truncated",
        message: `checkpoint of size ${c.size} signed, only ${data.length} entries stored: entries ${data.length}..${c.size - 1} are missing`,
      });
      continue;
    }
    if (!equalHash(tree.root(c.size), c.rootHash)) {
      // With an intact chain, only the last entry a checkpoint covers can differ unseen.
      if (first === undefined) {
        problems.push({
          index: c.size - 1,
          kind: "altered",
          message: `entry ${c.size - 1} differs from what checkpoint ${c.size} signed`,
        });
      }
      continue;
    }
    verified++;
  }
  return {
    ok: problems.length === 0,
    size: data.length,
    checkpointsVerified: verified,
    problems,
    tree,
  };
}

function firstChainProblem(p: readonly Parsed[]): LogProblem | undefined {
  const idx = (j: number): number | undefined => {
    const e = p[j]?.entry;
    return e === undefined ? undefined : Number(e.index);
  };
  const linkOk = (j: number): boolean => {
    const e = p[j]?.entry;
    if (e === undefined) return false;
    const prev = j === 0 ? ZERO_HASH : p[j - 1]?.leaf;
    return prev !== undefined && equalHash(e.prevLeafHash, prev);
  };
  const prevIs = (j: number, k: number): boolean => {
    const e = p[j]?.entry;
    const h = k < 0 ? ZERO_HASH : p[k]?.leaf;
    return e !== undefined && h !== undefined && equalHash(e.prevLeafHash, h);
  };
  for (let j = 0; j < p.length; j++) {
    const e = p[j]?.entry;
    if (e === undefined) {
      return { index: j, kind: "undecodable", message: `entry ${j} does not decode: altered` };
    }
    const at = idx(j) as number;
    if (at === j && linkOk(j)) continue;
    if (at === j) {
      // The link into j is broken. j's own prev field changed → the link after j breaks too;
      // j-1's content changed → only this link breaks.
      if (j + 1 < p.length && idx(j + 1) === j) {
        return {
          index: j,
          kind: "inserted",
          message: `entry ${j} was inserted (the next entry claims index ${j})`,
        };
      }
      const next = j + 1 < p.length ? linkOk(j + 1) : true;
      const culprit = next ? j - 1 : j;
      return {
        index: culprit,
        kind: "altered",
        message: `entry ${culprit} was altered (hash chain breaks at ${j})`,
      };
    }
    if (at > j) {
      if (linkOk(j) && (j + 1 >= p.length || (idx(j + 1) === j + 1 && !linkOk(j + 1)))) {
        return {
          index: j,
          kind: "altered",
          message: `entry ${j} was altered (its index field reads ${at})`,
        };
      }
      const later = p.findIndex(
        (x, k) => k > j && x.entry !== undefined && Number(x.entry.index) === j,
      );
      if (later >= 0) {
        return {
          index: j,
          kind: "reordered",
          message: `entry ${j} is stored at position ${later}; position ${j} holds entry ${at}`,
        };
      }
      return {
        index: j,
        kind: "removed",
        message: `entries ${j}..${at - 1} were removed (position ${j} holds entry ${at})`,
      };
    }
    // at < j: one extra entry sits before position j.
    if (prevIs(j, j - 2)) {
      return {
        index: j - 1,
        kind: "inserted",
        message: `entry at position ${j - 1} was inserted (entry ${at} follows ${at - 1} directly)`,
      };
    }
    const dup = p.findIndex(
      (x, k) => k < j && x.entry !== undefined && equalHash(x.leaf, p[j]?.leaf ?? ZERO_HASH),
    );
    if (dup >= 0) {
      return {
        index: j,
        kind: "inserted",
        message: `entry at position ${j} is a copy of entry ${dup}`,
      };
    }
    if (linkOk(j) && j + 1 < p.length && idx(j + 1) === j + 1) {
      return {
        index: j,
        kind: "altered",
        message: `entry ${j} was altered (its index field reads ${at})`,
      };
    }
    return { index: at, kind: "reordered", message: `entry ${at} is stored at position ${j}` };
  }
  return undefined;
}
