import { createHash } from "node:crypto";

// RFC 9162 §2.1 Merkle Tree Hash, inclusion and consistency proofs, over SHA-256.
// Leaves are given as their leaf hashes (`leafHash(entry bytes)`).

export type Hash = Uint8Array;

export const EMPTY_ROOT: Hash = createHash("sha256").digest();

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Hash {
  return createHash("sha256").update(Uint8Array.of(0)).update(data).digest();
}

/** Interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash("sha256").update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const CACHE_MIN = 64;

/**
 * An append-only list of leaf hashes with the tree operations over any prefix. Hashes of complete
 * subtrees (size a power of two ≥ 64) never change in an append-only log, so they are cached.
 */
export class MerkleLog {
  private readonly leaves: Hash[] = [];
  private readonly cache = new Map<string, Hash>();

  get size(): number {
    return this.leaves.length;
  }

  append(leaf: Hash): number {
    this.leaves.push(leaf);
    return this.leaves.length - 1;
  }

  leaf(index: number): Hash {
    const h = this.leaves[index];
    if (h === undefined) throw new RangeError(`no leaf ${index} (size ${this.leaves.length})`);
    return h;
  }

  /** MTH(D[0:n]). */
  root(n = this.leaves.length): Hash {
    this.checkSize(n);
    return n === 0 ? EMPTY_ROOT : this.mth(0, n);
  }

  /** PATH(m, D[0:n]) (RFC 9162 §2.1.3.1). */
  inclusionPath(m: number, n: number): Hash[] {
    this.checkSize(n);
    if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
    return this.path(m, 0, n);
  }

  /** PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1), 0 < m ≤ n. */
  consistencyPath(m: number, n: number): Hash[] {
    this.checkSize(n);
    if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
    return this.subproof(m, 0, n, true);
  }

  private checkSize(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.leaves.length)) {
      throw new RangeError(`tree size ${n} is beyond the log (size ${this.leaves.length})`);
    }
  }

  private mth(start: number, n: number): Hash {
    if (n === 1) return this.leaf(start);
    const cacheable = n >= CACHE_MIN && (n & (n - 1)) === 0;
    const key = cacheable ? `${start}/${n}` : "";
    if (cacheable) {
      const hit = this.cache.get(key);
      if (hit !== undefined) return hit;
    }
    const k = splitPoint(n);
    const h = nodeHash(this.mth(start, k), this.mth(start + k, n - k));
    if (cacheable) this.cache.set(key, h);
    return h;
  }

  private path(m: number, start: number, n: number): Hash[] {
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...this.path(m, start, k), this.mth(start + k, n - k)]
      : [...this.path(m - k, start + k, n - k), this.mth(start, k)];
  }

  private subproof(m: number, start: number, n: number, b: boolean): Hash[] {
    if (m === n) return b ? [] : [this.mth(start, n)];
    const k = splitPoint(n);
    return m <= k
      ? [...this.subproof(m, start, k, b), this.mth(start + k, n - k)]
      : [...this.subproof(m - k, start + k, n - k, false), this.mth(start, k)];
  }
}

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

export function equalHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** RFC 9162 §2.1.3.2: does `path` prove `leaf` is entry `index` of the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Hash,
  path: readonly Hash[],
  root: Hash,
): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHash(r, root);
}

/** RFC 9162 §2.1.4.2: does `path` prove the tree of `first` (root `firstRoot`) is a prefix of `second`'s? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  path: readonly Hash[],
): boolean {
  if (!(first > 0 && first <= second)) return false;
  if (first === second) return path.length === 0 && equalHash(firstRoot, secondRoot);
  // "If first is an exact power of 2, then prepend first_hash to the consistency_path array."
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  if (proof.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0] as Hash;
  let sr = proof[0] as Hash;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHash(fr, firstRoot) && equalHash(sr, secondRoot);
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
