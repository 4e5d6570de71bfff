import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { VisError } from "@vis/errors";
import { LOG_STREAM } from "@vis/grants/log";
import { AccessLog } from "@vis/proto/vis/access/v1/audit_pb";
import { type LogEntry, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import type { RpcServer } from "@vis/rpc";
import type { Checkpointer } from "../log/checkpointer.ts";
import { facets } from "../log/facets.ts";
import type { LogFollower } from "../log/follower.ts";
import type { Projection } from "../state/projection.ts";

/** `vis.access.v1.AccessLog`: checkpoints, proofs, raw entries and who-saw-what queries. */
export function addAuditApi(
  rpc: RpcServer,
  d: {
    js: JetStreamClient;
    jsm: () => Promise<JetStreamManager>;
    follower: LogFollower;
    checkpointer: Checkpointer;
    projection: Projection;
  },
): void {
  const haveSize = async (size: number, field: string) => {
    if (!(await d.follower.waitFor(size, 3000))) {
      throw new VisError(
        "out_of_range",
        `${field}: the log has ${d.follower.tree.size} entries, not ${size}`,
        { field },
      );
    }
  };
  rpc.add(AccessLog, {
    getCheckpoint: async (req) => {
      const size = Number(req.size);
      if (size === 0) {
        const c = await d.checkpointer.tick();
        if (c === undefined)
          throw new VisError("not_found", "the log is empty: no checkpoint yet", { field: "size" });
        return { checkpoint: c };
      }
      const c = d.checkpointer.bySize.get(size);
      if (c === undefined)
        throw new VisError("not_found", `no checkpoint of size ${size}`, { field: "size" });
      return { checkpoint: c };
    },
    getInclusionProof: async (req) => {
      const index = Number(req.index);
      const size = Number(req.treeSize);
      if (index >= size)
        throw new VisError("invalid_argument", `index: ${index} is not below tree_size ${size}`, {
          field: "index",
        });
      await haveSize(size, "tree_size");
      return {
        index: req.index,
        treeSize: req.treeSize,
        leafHash: d.follower.tree.leaf(index),
        path: d.follower.tree.inclusionPath(index, size),
      };
    },
    getConsistencyProof: async (req) => {
      const first = Number(req.first);
      const second = Number(req.second);
      if (first > second)
        throw new VisError("invalid_argument", "first: must not exceed second", { field: "first" });
      await haveSize(second, "second");
      return {
        first: req.first,
        second: req.second,
        path: d.follower.tree.consistencyPath(first, second),
      };
    },
    getEntries: async (req) => ({ entries: await readEntries(d.js, Number(req.start), req.count) }),
    queryLog: async (req) => {
      const from = req.from === undefined ? 0 : timestampMs(req.from);
      const to = req.to === undefined ? Number.MAX_SAFE_INTEGER : timestampMs(req.to);
      const limit = req.limit === 0 ? 1000 : req.limit;
      const [dim, value] =
        req.cameraId !== ""
          ? ["camera", req.cameraId]
          : req.officerWorkId !== ""
            ? ["officer", req.officerWorkId]
            : req.agencyId !== ""
              ? ["agency", req.agencyId]
              : ["all", "log"];
      const indexes = await d.projection.indexes(dim, value, from, to, 10_000);
      const jsm = await d.jsm();
      const out: LogEntry[] = [];
      for (let i = 0; i < indexes.length && out.length < limit; i += 32) {
        const chunk = indexes.slice(i, i + 32);
        const msgs = await Promise.all(
          chunk.map((ix) => jsm.streams.getMessage(LOG_STREAM, { seq: ix + 1 })),
        );
        for (const m of msgs) {
          if (m === null) continue;
          const e = fromBinary(LogEntrySchema, m.data);
          const f = facets(e);
          if (req.agencyId !== "" && dim !== "agency" && !f.agencies.includes(req.agencyId))
            continue;
          if (
            req.officerWorkId !== "" &&
            dim !== "officer" &&
            !f.officers.includes(req.officerWorkId)
          )
            continue;
          if (req.cameraId !== "" && dim !== "camera" && !f.cameras.includes(req.cameraId))
            continue;
          if (req.kinds.length > 0 && !req.kinds.includes(e.body.case ?? "")) continue;
          out.push(e);
          if (out.length >= limit) break;
        }
      }
      return { entries: out };
    },
  });
}

/** Entries `start`.. (at most `count`) exactly as stored, through an ordered consumer. */
export async function readEntries(
  js: JetStreamClient,
  start: number,
  count: number,
): Promise<{ index: bigint; data: Uint8Array }[]> {
  const consumer = await js.consumers.get(LOG_STREAM, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: start + 1,
  });
  const out: { index: bigint; data: Uint8Array }[] = [];
  for (let round = 0; out.length < count && round < 1000; round++) {
    const batch = await consumer.fetch({
      max_messages: Math.min(count - out.length, 1000),
      expires: 1000,
    });
    let got = 0;
    for await (const m of batch) {
      out.push({ index: BigInt(m.seq - 1), data: m.data });
      got++;
      if (m.info.pending === 0) round = 1000;
    }
    if (got === 0) break;
  }
  return out;
}
