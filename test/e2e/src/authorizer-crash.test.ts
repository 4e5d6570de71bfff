import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { CHECKPOINT_STREAM, LOG_STREAM, verifyLog } from "@vis/grants/log";
import { CheckpointSchema, LogEntrySchema } from "@vis/proto/vis/access/v1/log_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthzHub, lawfulRequest, seedRegistry, startAuthzHub } from "./authorizer-fixture.ts";

// kill -9 of the authorizer and of nats-server during a burst of 10,000 requests: every
// acknowledged decision is in the registration log exactly once, and the log still verifies.
const TOTAL = 10_000;
const WORKERS = 32;
let hub: AuthzHub;

beforeAll(async () => {
  hub = await startAuthzHub();
  await seedRegistry(hub);
}, 120_000);
afterAll(async () => {
  await hub?.stop();
});

async function readAll(stream: string): Promise<Uint8Array[]> {
  const nc = await connect({ servers: hub.nats.url });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const out: Uint8Array[] = [];
    for (let round = 0; round < 100; round++) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        out.push(m.data);
        got++;
      }
      if (got === 0) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe("crash safety of the registration log", () => {
  it("10,000 requests with kill -9 of the authorizer and of nats-server: each acknowledged decision is logged exactly once", async () => {
    const requests = Array.from({ length: TOTAL }, () => lawfulRequest());
    const acked = new Map<string, bigint>();
    let next = 0;
    let failures = 0;
    let crashes = 0;
    let restarting: Promise<void> | undefined;
    const worker = async () => {
      for (let i = next++; i < TOTAL; i = next++) {
        const req = requests[i];
        if (req === undefined) break;
        // A client retries the same request id until it is acknowledged (bounded).
        for (let attempt = 0; attempt < 60; attempt++) {
          await restarting;
          try {
            const { decision } = await hub.access.requestAccess(req, { deadlineMs: 10_000 });
            acked.set(req.requestId, decision?.logIndex ?? -1n);
            break;
          } catch (err) {
            if (!(err instanceof VisError)) throw err;
            failures++;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
    };
    const chaos = (async () => {
      while (acked.size < 2500) await new Promise((r) => setTimeout(r, 20));
      let release = () => {};
      restarting = new Promise<void>((r) => {
        release = r;
      });
      await hub.authorizer.kill(); // SIGKILL
      crashes++;
      await hub.restartAuthorizer();
      release();
      restarting = undefined;
      while (acked.size < 6000) await new Promise((r) => setTimeout(r, 20));
      await hub.nats.kill("SIGKILL");
      crashes++;
      await new Promise((r) => setTimeout(r, 500));
      await hub.nats.restart();
    })();
    await Promise.all([...Array.from({ length: WORKERS }, worker), chaos]);
    expect(crashes).toBe(2);
    expect(acked.size).toBe(TOTAL);

    const data = await readAll(LOG_STREAM);
    const seen = new Map<string, number[]>();
    for (const [index, bytes] of data.entries()) {
      const e = fromBinary(LogEntrySchema, bytes);
      expect(Number(e.index)).toBe(index);
      if (e.body.case !== "decided") continue;
      const id = e.body.value.request?.requestId ?? "";
      seen.set(id, [...(seen.get(id) ?? []), index]);
    }
    const notExactlyOnce = [...acked.keys()].filter((id) => seen.get(id)?.length !== 1);
    expect(notExactlyOnce).toEqual([]);
    const ackIndexMismatch = [...acked].filter(
      ([id, ix]) => BigInt(seen.get(id)?.[0] ?? -1) !== ix,
    );
    expect(ackIndexMismatch).toEqual([]);
    expect([...seen.values()].filter((ixs) => ixs.length > 1)).toEqual([]);

    // The chain and the checkpoints signed across both crashes still verify.
    const checkpoints = (await readAll(CHECKPOINT_STREAM)).map((b) =>
      fromBinary(CheckpointSchema, b),
    );
    const jwks = JSON.parse((await hub.access.getJwks({})).jwksJson);
    const report = verifyLog(
      data,
      checkpoints.map((c) => ({
        origin: c.origin,
        size: Number(c.size),
        rootHash: c.rootHash,
        time: new Date(
          Number(c.time?.seconds ?? 0n) * 1000 + Math.round((c.time?.nanos ?? 0) / 1e6),
        ).toISOString(),
        kid: c.kid,
        signature: c.signature,
      })),
      jwks,
    );
    expect(report.problems).toEqual([]);
    expect(report.checkpointsVerified).toBeGreaterThan(0);
    console.log(
      JSON.stringify({
        requests: TOTAL,
        acknowledged: acked.size,
        logEntries: data.length,
        clientRetries: failures,
        checkpoints: checkpoints.length,
      }),
    );
  }, 180_000);
});
