import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HoldPhase, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import { type RedisServer, startRedis } from "@vis/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Projection } from "../../../services/authorizer/src/state/projection.ts";

// Facts other services report (archive removals, holds, exports) are registered once per fact id,
// however late a report comes again: the projection remembers which fact ids it holds, on a real
// redis-server, and a projection rebuilt from the log remembers the same.
describe("authorizer projection: registered facts by id", () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const entry = (
    index: number,
    id: string,
    body: Parameters<typeof create<typeof LogEntrySchema>>[1],
  ) => create(LogEntrySchema, { index: BigInt(index), id, time: timestampFromMs(1_000), ...body });
  const held = entry(3, "hold-h-1-placed", {
    body: {
      case: "held",
      value: {
        holdId: "h-1",
        phase: HoldPhase.PLACED,
        cameraId: "cam-a",
        agencyId: "wujin-police",
        officers: "010001,010002",
      },
    },
  });
  const removed = entry(4, "rm-cam-a-17", {
    body: { case: "segmentRemoved", value: { cameraId: "cam-a", key: "seg/cam-a/x.flv" } },
  });
  const exported = entry(5, "exp-x-1", {
    body: {
      case: "exported",
      value: { grantId: "g-1", cameraId: "cam-a", agencyId: "wujin-police" },
    },
  });
  const session = entry(6, "ses-s-1-1", {
    body: { case: "session", value: { sessionId: "s-1", grantId: "g-1", cameraId: "cam-a" } },
  });

  it("knows each fact's index after applying it, and nothing for entries that are not facts", async () => {
    const p = new Projection(redis);
    expect(await p.factIndex("hold-h-1-placed")).toBeUndefined();
    for (const [i, e] of [held, removed, exported, session].entries()) await p.apply(3 + i, e);
    expect(await p.factIndex("hold-h-1-placed")).toBe(3);
    expect(await p.factIndex("rm-cam-a-17")).toBe(4);
    expect(await p.factIndex("exp-x-1")).toBe(5);
    expect(await p.factIndex("ses-s-1-1")).toBeUndefined();
    // indexed for auditors by agency, officer and camera
    expect(await p.indexes("officer", "010002", 0, Number.MAX_SAFE_INTEGER, 10)).toEqual([3]);
    expect(await p.indexes("camera", "cam-a", 0, Number.MAX_SAFE_INTEGER, 10)).toEqual([
      3, 4, 5, 6,
    ]);
  });

  it("applying again (a replay) keeps the first index; a rebuild after a flush gives the same", async () => {
    const p = new Projection(redis);
    await p.apply(9, entry(9, "hold-h-1-placed", { body: held.body }));
    expect(await p.factIndex("hold-h-1-placed")).toBe(3);
    await redis.flushdb();
    const rebuilt = new Projection(redis);
    for (const [i, e] of [held, removed].entries()) await rebuilt.apply(3 + i, e);
    expect(await rebuilt.factIndex("hold-h-1-placed")).toBe(3);
    expect(await rebuilt.factIndex("rm-cam-a-17")).toBe(4);
  });
});
