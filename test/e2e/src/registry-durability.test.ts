import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Lifecycle } from "@vis/proto/vis/registry/v1/model_pb";
import { ImportEntity, ImportFormat } from "@vis/proto/vis/registry/v1/registry_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./hub-fixture.ts";
import {
  cameraInit,
  type RegistryHub,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// kill -9 of the registry, of redis-server and of nats-server during a write burst: every
// acknowledged write is there afterwards (in the record and in the rebuilt projection), and an
// import batch is either wholly present or wholly absent.
let hub: RegistryHub;
beforeAll(async () => {
  hub = await startRegistryHub();
  const ag = await seedAgencies(hub.client, "zhonglou");
  await hub.client.createSystem({
    system: systemInit({
      id: "burst",
      ownerAgencyId: ag.operator?.id ?? "",
      status: Lifecycle.BUILT,
    }),
  });
});
afterAll(async () => {
  await hub?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kill -9 during a write burst", () => {
  it("keeps every acknowledged write", async () => {
    const acked = new Set<string>();
    const batches = new Map<string, { ids: string[]; acked: boolean }>();
    let failures = 0;
    let stop = false;
    let n = 0;
    const writer = async (w: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const id = `b${w}-${i}`;
        try {
          await hub.client.createCamera(
            { camera: cameraInit("burst", `burst ${id}`, { id }) },
            { deadlineMs: 15_000 },
          );
          acked.add(id);
        } catch {
          failures++;
          await sleep(50);
        }
      }
    };
    const importer = async () => {
      for (let b = 0; !stop && b < 1000; b++) {
        const batchId = `kb-${b}`;
        const ids = Array.from({ length: 50 }, (_, r) => `${batchId}-${r}`);
        const csv = [
          "id,system_id,name,location_type,public_place,signage",
          ...ids.map((id) => `${id},burst,imp ${id},entrance,yes,yes`),
        ].join("\n");
        const entry = { ids, acked: false };
        batches.set(batchId, entry);
        try {
          const r = await hub.client.import(
            {
              entity: ImportEntity.CAMERA,
              format: ImportFormat.CSV,
              data: new TextEncoder().encode(csv),
              batchId,
            },
            { deadlineMs: 15_000 },
          );
          if (r.written === ids.length) entry.acked = true;
        } catch {
          failures++;
          await sleep(100);
        }
        n++;
      }
    };
    const work = Promise.all([writer(1), writer(2), writer(3), importer()]);

    await sleep(1500);
    await hub.proc.kill(); // the registry, mid-write
    await hub.restart();
    await sleep(1500);
    await hub.redis.kill(); // redis-server: the projection loses whatever it had not written
    await sleep(500);
    await hub.redis.restart();
    await sleep(1500);
    await hub.nats.kill(); // nats-server: the durable record's server
    await sleep(500);
    await hub.nats.restart();
    await sleep(2500);
    stop = true;
    await work;

    expect(acked.size).toBeGreaterThan(50);
    expect([...batches.values()].filter((b) => b.acked).length).toBeGreaterThan(2);
    const wantIds = [
      ...acked,
      ...[...batches.values()].filter((b) => b.acked).flatMap((b) => b.ids),
    ];

    // In the record (reads fall back to it while the projection catches up) ...
    await eventually(
      "every acknowledged camera to be readable",
      async () => {
        for (const id of wantIds) await hub.client.getCamera({ id });
        return true;
      },
      60_000,
    );
    // ... and in the projection (search), caught up after the Redis and NATS crashes.
    const listed = new Set<string>();
    await eventually(
      "the projection to list every acknowledged camera",
      async () => {
        listed.clear();
        let cursor = "";
        for (let p = 0; p < 200; p++) {
          const r = await hub.client.listCameras({
            filter: { systemId: "burst" },
            pageSize: 1000,
            cursor,
          });
          for (const c of r.cameras) listed.add(c.id);
          cursor = r.nextCursor;
          if (cursor === "") break;
        }
        return wantIds.every((id) => listed.has(id));
      },
      60_000,
    );
    // Unacknowledged batches: all of a batch or none of it, never part (a batch cut short by the
    // NATS crash is finished by the registry in the background).
    await eventually(
      "every import batch to be all there or not there",
      async () => {
        const present = new Set<string>();
        let cursor = "";
        for (let p = 0; p < 200; p++) {
          const r = await hub.client.listCameras({
            filter: { systemId: "burst", text: "imp" },
            pageSize: 1000,
            cursor,
          });
          for (const c of r.cameras) present.add(c.id);
          cursor = r.nextCursor;
          if (cursor === "") break;
        }
        const partial = [...batches.entries()].filter(
          ([, b]) => ![0, b.ids.length].includes(b.ids.filter((id) => present.has(id)).length),
        );
        if (partial.length > 0) {
          // Say what is missing where: the projection only, or the record too.
          const [bid, b] = partial[0] ?? ["", { ids: [] as string[], acked: false }];
          const missing = b.ids.filter((id) => !present.has(id));
          const inRecord = await Promise.all(
            missing.map((id) =>
              hub.client.getCamera({ id }).then(
                () => 1,
                () => 0,
              ),
            ),
          );
          throw new Error(
            `batch ${bid} (acked ${b.acked}): ${b.ids.length - missing.length} listed, ${inRecord.reduce<number>((a, x) => a + x, 0)} of ${missing.length} others readable`,
          );
        }
        return true;
      },
      30_000,
    );
    // Every acknowledged camera was announced, exactly once per version, despite the crashes.
    const nc = await connect({ servers: hub.nats.url });
    try {
      const announced = new Map<string, number>();
      await eventually(
        "a camera.created event for every acknowledged camera",
        async () => {
          announced.clear();
          const c = await jetstream(nc).consumers.get("VIS_REGISTRY", {
            filter_subjects: "vis.registry.camera.created",
            headers_only: true,
          });
          const total = (await c.info()).num_pending;
          const batch = await c.fetch({ max_messages: total, expires: 5000 });
          let n = 0;
          for await (const m of batch) {
            const msgId = m.headers?.get("Nats-Msg-Id") ?? "";
            announced.set(msgId, (announced.get(msgId) ?? 0) + 1);
            if (++n >= total) break;
          }
          const ids = new Set([...announced.keys()].map((k) => k.split(":")[1]));
          return wantIds.every((id) => ids.has(id));
        },
        30_000,
      );
      expect([...announced.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await nc.close();
    }
    // Every present camera is whole: all its fields as written.
    for (const id of [wantIds[0] ?? "", wantIds[wantIds.length - 1] ?? ""]) {
      const { camera } = await hub.client.getCamera({ id });
      expect(camera?.systemId).toBe("burst");
      expect(camera?.name).toMatch(new RegExp(`^(burst|imp) ${id}$`));
      expect(camera?.publicPlace).toBe(true);
    }
    console.log(
      JSON.stringify({
        acknowledgedCreates: acked.size,
        batches: n,
        ackedBatches: [...batches.values()].filter((b) => b.acked).length,
        failures,
        listed: listed.size,
      }),
    );
  }, 150_000);
});
