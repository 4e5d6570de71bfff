import { describe, expect, it } from "vitest";
import { sha256Hex } from "./canonical.ts";
import { GENESIS, type ManifestRecord, nextRecord, verifyChain } from "./manifest.ts";

function chain(n: number): { records: ManifestRecord[]; bytes: Map<string, Buffer> } {
  const records: ManifestRecord[] = [];
  const bytes = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    const data = Buffer.from(`segment ${i}`);
    const key = `seg/cam-001/${i}`;
    bytes.set(key, data);
    records.push(
      nextRecord("cam-001", records.at(-1), {
        kind: "segment",
        key,
        startMs: i * 2000,
        endMs: i * 2000 + 2000,
        bytes: data.length,
        sha256: sha256Hex(data),
        at: i,
        reason: "",
      }),
    );
  }
  return { records, bytes };
}
const hashOf = (bytes: Map<string, Buffer>) => (k: string) => {
  const b = bytes.get(k);
  return b === undefined ? undefined : sha256Hex(b);
};

describe("manifest chain", () => {
  it("links each record to the one before", () => {
    const { records, bytes } = chain(5);
    expect(records[0]?.prev).toBe(GENESIS);
    expect(records[3]?.prev).toBe(records[2]?.hash);
    expect(verifyChain(records, hashOf(bytes))).toEqual([]);
  });

  it("finds an altered segment, a missing one, an edited record and a dropped record", () => {
    const { records, bytes } = chain(6);
    bytes.set("seg/cam-001/2", Buffer.from("segment 2 but altered"));
    bytes.delete("seg/cam-001/4");
    expect(verifyChain(records, hashOf(bytes))).toEqual([
      { seq: 2, key: "seg/cam-001/2", problem: "segment_altered" },
      { seq: 4, key: "seg/cam-001/4", problem: "segment_missing" },
    ]);
    const edited = records.map((r) => (r.seq === 1 ? { ...r, endMs: r.endMs + 1 } : r));
    expect(verifyChain(edited).map((p) => [p.seq, p.problem])).toEqual([[1, "record_altered"]]);
    const dropped = records.filter((r) => r.seq !== 3);
    expect(verifyChain(dropped).map((p) => p.problem)).toContain("chain_broken");
    expect(verifyChain(dropped).map((p) => p.problem)).toContain("sequence_gap");
  });

  it("a segment removed by a later record is not reported missing", () => {
    const { records, bytes } = chain(3);
    const first = records[0] as ManifestRecord;
    const removal = nextRecord("cam-001", records.at(-1), {
      ...first,
      kind: "removed",
      reason: "retention of 30 days expired",
    });
    bytes.delete(first.key);
    expect(verifyChain([...records, removal], hashOf(bytes))).toEqual([]);
  });
});
