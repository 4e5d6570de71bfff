import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT,
  leafHash,
  MerkleLog,
  nodeHash,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.ts";

// RFC 6962 / RFC 9162 reference vectors as published with the Certificate Transparency and
// transparency-dev/merkle test data: 8 leaves, the root of every prefix, and sample proofs.
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const DATA = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(unhex);
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    5,
    8,
    [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
];
const CONSISTENCY: [number, number, string[]][] = [
  [
    2,
    8,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [
    2,
    5,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];

function referenceLog(): MerkleLog {
  const log = new MerkleLog();
  for (const d of DATA) log.append(leafHash(d));
  return log;
}

/** RFC 9162 §2.1.1 written out directly on the leaf list: the independent oracle. */
function mthOracle(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  const k = splitPoint(leaves.length);
  return nodeHash(mthOracle(leaves.slice(0, k)), mthOracle(leaves.slice(k)));
}

describe("Merkle tree (RFC 9162 §2.1) against the published vectors", () => {
  it("roots of every prefix 0..8", () => {
    const log = referenceLog();
    for (let n = 0; n <= 8; n++) expect(hex(log.root(n)), `size ${n}`).toBe(ROOTS[n]);
  });

  it.each(INCLUSION)("inclusion proof of leaf %i in tree %i", (m, n, want) => {
    const log = referenceLog();
    const path = log.inclusionPath(m, n);
    expect(path.map(hex)).toEqual(want);
    expect(verifyInclusion(m, n, log.leaf(m), path, log.root(n))).toBe(true);
  });

  it.each(CONSISTENCY)("consistency proof %i → %i", (m, n, want) => {
    const log = referenceLog();
    const path = log.consistencyPath(m, n);
    expect(path.map(hex)).toEqual(want);
    expect(verifyConsistency(m, n, log.root(m), log.root(n), path)).toBe(true);
  });
});

describe("Merkle tree: every shape up to 70 leaves (crosses the 64-leaf cache)", () => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Uint8Array.of(i, i * 3)));
  const log = new MerkleLog();
  for (const l of leaves) log.append(l);

  it("roots equal the direct recursion", () => {
    for (let n = 0; n <= 70; n++) expect(hex(log.root(n))).toBe(hex(mthOracle(leaves.slice(0, n))));
  });

  it("every inclusion proof verifies; a wrong index, size, leaf or path does not", () => {
    for (let n = 1; n <= 70; n += n < 10 ? 1 : 7) {
      const root = log.root(n);
      for (let m = 0; m < n; m++) {
        const path = log.inclusionPath(m, n);
        expect(verifyInclusion(m, n, log.leaf(m), path, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion((m + 1) % n, n, log.leaf(m), path, root)).toBe(false);
          expect(verifyInclusion(m, n, log.leaf((m + 1) % n), path, root)).toBe(false);
          const bad = path.map((p, i) => (i === 0 ? nodeHash(p, p) : p));
          expect(verifyInclusion(m, n, log.leaf(m), bad, root)).toBe(false);
        }
        expect(verifyInclusion(m, n + 1, log.leaf(m), path, log.root(n + 1))).toBe(false);
      }
    }
  });

  it("every consistency proof verifies; swapped roots or a shortened path do not", () => {
    for (let n = 1; n <= 70; n += n < 12 ? 1 : 5) {
      for (let m = 1; m <= n; m++) {
        const path = log.consistencyPath(m, n);
        expect(verifyConsistency(m, n, log.root(m), log.root(n), path), `${m}→${n}`).toBe(true);
        if (m < n) {
          expect(verifyConsistency(m, n, log.root(n), log.root(m), path)).toBe(false);
          expect(verifyConsistency(m, n, log.root(m), log.root(n), path.slice(1))).toBe(false);
          expect(verifyConsistency(m, n, log.root(m - 1 || 1), log.root(n), path)).toBe(m === 1);
        }
      }
    }
  });

  it("refuses proofs for sizes beyond the log", () => {
    expect(() => log.root(71)).toThrow(RangeError);
    expect(() => log.inclusionPath(70, 70)).toThrow(RangeError);
    expect(() => log.consistencyPath(0, 5)).toThrow(RangeError);
  });
});
