import { readFileSync, writeFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import type { Jwks } from "@vis/grants";
import {
  type SignedCheckpoint,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  verifyLog,
} from "@vis/grants/log";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import { AccessLog } from "@vis/proto/vis/access/v1/audit_pb";
import { type Checkpoint, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
import { flagInt, flagString, type ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";

export const LOG_USAGE = `  log checkpoint [SIZE]                  the latest (or a given) signed checkpoint, signature checked
  log proof inclusion INDEX [--size N]   prove entry INDEX is in the signed tree (RFC 9162), checked here
  log proof consistency FIRST SECOND     prove checkpoint FIRST is a prefix of SECOND, checked here
  log export --out FILE                  every stored entry and checkpoint, raw (JSON lines), for auditors
  log who [--agency ID] [--officer WORK_ID] [--camera ID] [--from ISO] [--to ISO] [--kind K,…]
                                         who saw which camera when (decoded entries; --json for all fields)
  log verify [--file FILE] [--jwks FILE] verify entries, hash chain and checkpoints; names a tampered index`;

type LogClient = RpcClient<typeof AccessLog>;

const toSigned = (c: Checkpoint): SignedCheckpoint => ({
  origin: c.origin,
  size: Number(c.size),
  rootHash: c.rootHash,
  time: c.time === undefined ? "" : new Date(timestampMs(c.time)).toISOString(),
  kid: c.kid,
  signature: c.signature,
});
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

async function fetchAll(
  log: LogClient,
): Promise<{ data: Uint8Array[]; checkpoints: SignedCheckpoint[] }> {
  const { checkpoint } = await log.getCheckpoint({});
  const size = Number(checkpoint?.size ?? 0);
  const data: Uint8Array[] = [];
  for (let round = 0; data.length < size && round < 100_000; round++) {
    const { entries } = await log.getEntries({
      start: BigInt(data.length),
      count: Math.min(10_000, size - data.length),
    });
    if (entries.length === 0) break;
    for (const e of entries) data.push(e.data);
  }
  // Every checkpoint the service holds, newest first; stop at the first size it does not have.
  const checkpoints: SignedCheckpoint[] = checkpoint === undefined ? [] : [toSigned(checkpoint)];
  return { data, checkpoints };
}

/** `vis log …`; undefined when the command is not one of these. */
export async function runLogCommand(
  args: ParsedArgs,
  out: Output,
  address: string,
  deadlineMs: number,
): Promise<number | undefined> {
  if (args.command !== "log") return undefined;
  const log = createRpcClient(AccessLog, { address, deadlineMs });
  const access = createRpcClient(Access, { address, deadlineMs });
  const jwks = async (): Promise<Jwks> => {
    const file = flagString(args, "jwks");
    if (file !== undefined) return JSON.parse(readFileSync(file, "utf8")) as Jwks;
    return JSON.parse((await access.getJwks({})).jwksJson) as Jwks;
  };
  const pos = (i: number, what: string) => {
    const v = args.positional[i];
    if (v === undefined || !/^\d+$/.test(v))
      throw new VisError("invalid_argument", `${what}: a whole number is needed`, { field: what });
    return Number(v);
  };
  try {
    switch (args.positional[0]) {
      case "checkpoint": {
        const size = args.positional[1] === undefined ? 0 : pos(1, "size");
        const { checkpoint } = await log.getCheckpoint({ size: BigInt(size) });
        if (checkpoint === undefined) throw new VisError("not_found", "no checkpoint");
        const s = toSigned(checkpoint);
        const valid = verifyCheckpoint(s, await jwks());
        const v = {
          size: s.size,
          root: hex(s.rootHash),
          time: s.time,
          kid: s.kid,
          signatureValid: valid,
        };
        out.result(
          v,
          () =>
            `size ${v.size}\nroot ${v.root}\ntime ${v.time}\nkid  ${v.kid}\nsignature ${valid ? "valid" : "INVALID"}`,
        );
        return valid ? 0 : 1;
      }
      case "proof": {
        const kind = args.positional[1];
        const keys = await jwks();
        if (kind === "inclusion") {
          const index = pos(2, "index");
          const want = flagInt(args, "size", 1, Number.MAX_SAFE_INTEGER) ?? 0;
          const { checkpoint } = await log.getCheckpoint({ size: BigInt(want) });
          if (checkpoint === undefined) throw new VisError("not_found", "no checkpoint");
          const s = toSigned(checkpoint);
          const proof = await log.getInclusionProof({
            index: BigInt(index),
            treeSize: BigInt(s.size),
          });
          const { entries } = await log.getEntries({ start: BigInt(index), count: 1 });
          const data = entries[0]?.data ?? new Uint8Array();
          const { leafHash } = await import("@vis/grants/log");
          const leafOk = hex(leafHash(data)) === hex(proof.leafHash);
          const ok =
            verifyCheckpoint(s, keys) &&
            leafOk &&
            verifyInclusion(index, s.size, proof.leafHash, proof.path, s.rootHash);
          const v = {
            index,
            treeSize: s.size,
            root: hex(s.rootHash),
            leafHash: hex(proof.leafHash),
            path: proof.path.map(hex),
            verified: ok,
          };
          out.result(
            v,
            () =>
              `entry ${index} in tree ${s.size}: ${ok ? "PROVEN" : "NOT PROVEN"}\nleaf ${v.leafHash}\n${v.path.map((p, i) => `path[${i}] ${p}`).join("\n")}`,
          );
          return ok ? 0 : 1;
        }
        if (kind === "consistency") {
          const first = pos(2, "first");
          const second = pos(3, "second");
          const [a, b] = await Promise.all([
            log.getCheckpoint({ size: BigInt(first) }),
            log.getCheckpoint({ size: BigInt(second) }),
          ]);
          if (a.checkpoint === undefined || b.checkpoint === undefined)
            throw new VisError("not_found", "checkpoint missing");
          const sa = toSigned(a.checkpoint);
          const sb = toSigned(b.checkpoint);
          const proof = await log.getConsistencyProof({
            first: BigInt(first),
            second: BigInt(second),
          });
          const ok =
            verifyCheckpoint(sa, keys) &&
            verifyCheckpoint(sb, keys) &&
            verifyConsistency(first, second, sa.rootHash, sb.rootHash, proof.path);
          const v = { first, second, path: proof.path.map(hex), verified: ok };
          out.result(
            v,
            () => `tree ${first} is a prefix of tree ${second}: ${ok ? "PROVEN" : "NOT PROVEN"}`,
          );
          return ok ? 0 : 1;
        }
        throw new VisError("invalid_argument", "log proof inclusion|consistency", {
          field: "command",
        });
      }
      case "who": {
        {
          const from = flagString(args, "from");
          const to = flagString(args, "to");
          const { entries } = await log.queryLog({
            agencyId: flagString(args, "agency") ?? "",
            officerWorkId: flagString(args, "officer") ?? "",
            cameraId: flagString(args, "camera") ?? "",
            ...(from === undefined ? {} : { from: timestampFromDate(new Date(from)) }),
            ...(to === undefined ? {} : { to: timestampFromDate(new Date(to)) }),
            kinds: flagString(args, "kind")?.split(",") ?? [],
            limit: flagInt(args, "limit", 1, 10_000) ?? 1000,
          });
          const rows = entries.map((e) => toJson(LogEntrySchema, e));
          out.result(rows, () =>
            table(
              ["index", "time", "kind", "detail"],
              entries.map((e) => [
                String(e.index),
                e.time === undefined ? "" : new Date(timestampMs(e.time)).toISOString(),
                e.body.case ?? "",
                JSON.stringify(toJson(LogEntrySchema, e)).slice(0, 160),
              ]),
            ),
          );
          return 0;
        }
      }
      case "export": {
        const file = flagString(args, "out");
        if (file === undefined)
          throw new VisError("invalid_argument", "log export needs --out FILE", { field: "out" });
        const { data, checkpoints } = await fetchAll(log);
        const lines = [
          ...data.map((d, index) => JSON.stringify({ type: "entry", index, data: b64(d) })),
          ...checkpoints.map((c) =>
            JSON.stringify({
              type: "checkpoint",
              ...c,
              rootHash: b64(c.rootHash),
              signature: b64(c.signature),
            }),
          ),
        ];
        writeFileSync(file, `${lines.join("\n")}\n`);
        out.result(
          { file, entries: data.length, checkpoints: checkpoints.length },
          () => `wrote ${data.length} entries and ${checkpoints.length} checkpoint(s) to ${file}`,
        );
        return 0;
      }
      case "verify": {
        const file = flagString(args, "file");
        let data: Uint8Array[];
        let checkpoints: SignedCheckpoint[];
        if (file === undefined) ({ data, checkpoints } = await fetchAll(log));
        else {
          data = [];
          checkpoints = [];
          for (const line of readFileSync(file, "utf8").split("\n")) {
            if (line.trim() === "") continue;
            const o = JSON.parse(line) as Record<string, unknown>;
            if (o.type === "entry")
              data.push(new Uint8Array(Buffer.from(String(o.data), "base64")));
            else if (o.type === "checkpoint") {
              checkpoints.push({
                origin: String(o.origin),
                size: Number(o.size),
                rootHash: new Uint8Array(Buffer.from(String(o.rootHash), "base64")),
                time: String(o.time),
                kid: String(o.kid),
                signature: new Uint8Array(Buffer.from(String(o.signature), "base64")),
              });
            }
          }
        }
        const report = verifyLog(data, checkpoints, await jwks());
        const v = {
          ok: report.ok,
          entries: report.size,
          checkpointsVerified: report.checkpointsVerified,
          problems: report.problems,
        };
        out.result(v, () =>
          report.ok
            ? `OK: ${report.size} entries, hash chain intact, ${report.checkpointsVerified} signed checkpoint(s) match`
            : report.problems
                .map((p) => `TAMPERED at index ${p.index}: ${p.kind} — ${p.message}`)
                .join("\n"),
        );
        return report.ok ? 0 : 1;
      }
      default:
        throw new VisError(
          "invalid_argument",
          `unknown "log ${args.positional[0] ?? ""}"; run "vis help"`,
          { field: "command" },
        );
    }
  } finally {
    log.close();
    access.close();
  }
}
