import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { LogEntrySchema, SessionPhase } from "@vis/proto/vis/access/v1/log_pb";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, publicJwks, type StoredKey } from "../keys.ts";
import { type SignedCheckpoint, signCheckpoint, verifyCheckpoint } from "./checkpoint.ts";
import { leafHash, MerkleLog } from "./merkle.ts";
import { verifyLog, ZERO_HASH } from "./verify-log.ts";

const N = 40;
let key: StoredKey;
let entries: Uint8Array[];
let checkpoints: SignedCheckpoint[];

function chain(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = ZERO_HASH;
  for (let i = 0; i < n; i++) {
    const bytes = toBinary(
      LogEntrySchema,
      create(LogEntrySchema, {
        index: BigInt(i),
        prevLeafHash: prev,
        id: `e-${i}`,
        time: timestampFromMs(1_764_400_000_000 + i * 1000),
        instance: "authorizer-test",
        body: {
          case: "session",
          value: {
            sessionId: `s-${i}`,
            grantId: "g-1",
            cameraId: `cam-${i % 3}`,
            viewer: "010001",
            phase: SessionPhase.START,
          },
        },
      }),
    );
    out.push(bytes);
    prev = leafHash(bytes);
  }
  return out;
}

beforeAll(async () => {
  key = await generateSigningKey();
  entries = chain(N);
  const tree = new MerkleLog();
  for (const e of entries) tree.append(leafHash(e));
  checkpoints = [10, 25, N].map((s) => signCheckpoint(key, s, tree.root(s), new Date()));
});

const jwks = () => publicJwks({ keys: [key] });

describe("registration log verifier", () => {
  it("an untouched log verifies against every checkpoint", () => {
    const r = verifyLog(entries, checkpoints, jwks());
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, size: N, checkpointsVerified: 3 });
  });

  // Every tamper, at several positions: the verifier names the right index and kind.
  const POSITIONS = [0, 1, 9, 10, 17, 24, 38];
  it.each(POSITIONS)("a flipped byte in the body of entry %i is found at that index", (k) => {
    const copy = entries.map((e) => new Uint8Array(e));
    const e = copy[k] as Uint8Array;
    e[e.length - 1] = (e[e.length - 1] as number) ^ 0x01; // last byte: inside the phase/viewer body
    const r = verifyLog(copy, checkpoints, jwks());
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ index: k });
    expect(["altered", "undecodable"]).toContain(r.problems[0]?.kind);
  });

  it.each(POSITIONS)("entry %i deleted → removed at that index", (k) => {
    const copy = entries.filter((_, i) => i !== k);
    const r = verifyLog(copy, checkpoints, jwks());
    expect(r.problems[0]).toMatchObject({ index: k, kind: "removed" });
  });

  it.each(POSITIONS)("entries %i and the next swapped → reordered at that index", (k) => {
    const copy = [...entries];
    [copy[k], copy[k + 1]] = [copy[k + 1] as Uint8Array, copy[k] as Uint8Array];
    const r = verifyLog(copy, checkpoints, jwks());
    expect(r.problems[0]).toMatchObject({ index: k, kind: "reordered" });
  });

  it.each(POSITIONS)(
    "a forged entry inserted at %i, chained correctly → inserted at that index",
    (k) => {
      const prev = k === 0 ? ZERO_HASH : leafHash(entries[k - 1] as Uint8Array);
      const forged = toBinary(
        LogEntrySchema,
        create(LogEntrySchema, {
          index: BigInt(k),
          prevLeafHash: prev,
          id: "forged",
          body: { case: "session", value: { sessionId: "x" } },
        }),
      );
      const copy = [...entries.slice(0, k), forged, ...entries.slice(k)];
      const r = verifyLog(copy, checkpoints, jwks());
      expect(r.problems[0]).toMatchObject({ index: k, kind: "inserted" });
    },
  );

  it("a copy of an earlier entry inserted later → inserted at its position", () => {
    const copy = [...entries.slice(0, 20), entries[5] as Uint8Array, ...entries.slice(20)];
    expect(verifyLog(copy, checkpoints, jwks()).problems[0]).toMatchObject({
      index: 20,
      kind: "inserted",
    });
  });

  it("the tail cut off → truncated, naming the first missing index", () => {
    const r = verifyLog(entries.slice(0, 30), checkpoints, jwks());
    expect(r.problems).toEqual([expect.objectContaining({ index: 30, kind: "truncated" })]);
  });

  it("a forged or foreign checkpoint does not verify", async () => {
    const cp = checkpoints[1] as SignedCheckpoint;
    const forged = { ...cp, size: 26 };
    expect(verifyCheckpoint(cp, jwks())).toBe(true);
    expect(verifyCheckpoint(forged, jwks())).toBe(false);
    const other = await generateSigningKey();
    const foreign = signCheckpoint(other, 25, cp.rootHash, new Date());
    expect(verifyCheckpoint(foreign, jwks())).toBe(false);
    const r = verifyLog(entries, [foreign], jwks());
    expect(r.problems[0]).toMatchObject({ kind: "bad_checkpoint" });
  });
});
