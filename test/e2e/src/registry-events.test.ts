import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { EndpointEventSchema, SystemEventSchema } from "@vis/proto/vis/registry/v1/events_pb";
import { EndpointProtocol, Lifecycle, LocationType } from "@vis/proto/vis/registry/v1/model_pb";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./hub-fixture.ts";
import {
  actor,
  cameraInit,
  edit,
  type RegistryHub,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// Events on VIS_REGISTRY for every change, sharing withdrawal acted on at once, secrets never read
// back, search with filters and cursor paging, and the Redis projection rebuilt from the record.
let hub: RegistryHub;
let nc: NatsConnection;
let redis: Redis;
beforeAll(async () => {
  hub = await startRegistryHub();
  nc = await connect({ servers: hub.nats.url });
  redis = new Redis(hub.redis.url);
  const ag = await seedAgencies(hub.client, "tianning");
  await hub.client.createSystem({
    system: systemInit({
      id: "shop",
      name: "Shop street",
      ownerAgencyId: ag.operator?.id ?? "",
      status: Lifecycle.IN_SERVICE,
      acceptedDate: "2025-01-01",
      sharing: {
        optedIn: true,
        limits: {
          allCameras: true,
          live: true,
          recorded: false,
          hours: [{ fromHour: 8, toHour: 20 }],
        },
      },
    }),
  });
});
afterAll(async () => {
  await nc?.close();
  redis?.disconnect();
  await hub?.stop();
});

/** The events stored on one subject, decoded. */
async function events<T>(
  subject: string,
  decode: (d: Uint8Array) => T,
  want: number,
): Promise<{ msgId: string; value: T }[]> {
  const out: { msgId: string; value: T }[] = [];
  await eventually(`${want} event(s) on ${subject}`, async () => {
    out.length = 0;
    const c = await jetstream(nc).consumers.get("VIS_REGISTRY", {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.All,
    });
    const batch = await c.fetch({ max_messages: 100, expires: 1000 });
    for await (const m of batch) {
      out.push({ msgId: m.headers?.get("Nats-Msg-Id") ?? "", value: decode(m.data) });
      if (m.info.pending === 0) break;
    }
    return out.length >= want;
  });
  return out;
}

describe("events and sharing", () => {
  it("withdrawal takes effect at once and is announced with full state, once per version", async () => {
    const { camera } = await hub.client.createCamera({ camera: cameraInit("shop", "Shop cam 1") });
    let facts = (await hub.client.getCameraFacts({ cameraId: camera?.id ?? "" })).facts;
    expect(facts).toMatchObject({ shareable: true, liveAllowed: true, recordedAllowed: false });
    expect(facts?.hours).toEqual([expect.objectContaining({ fromHour: 8, toHour: 20 })]);
    const current = (await hub.client.getSystem({ id: "shop" })).system;
    const { system } = await hub.client.setSharing({
      systemId: "shop",
      optedIn: false,
      expectedVersion: current?.version ?? 0n,
      actor,
    });
    expect(system?.sharing?.optedIn).toBe(false);
    expect(system?.sharing?.withdrawnAt).toBeDefined();
    facts = (await hub.client.getCameraFacts({ cameraId: camera?.id ?? "" })).facts;
    expect(facts).toMatchObject({ shareable: false, liveAllowed: false, recordedAllowed: false });
    expect(facts?.notShareableReason).toMatch(/Art\. 14/);
    const got = await events(
      "vis.registry.system.sharing_withdrawn",
      (d) => fromBinary(SystemEventSchema, d),
      1,
    );
    expect(got).toHaveLength(1);
    expect(got[0]?.msgId).toBe(`system:shop:${system?.version}`);
    expect(got[0]?.value.shareable).toBe(false);
    expect(got[0]?.value.system?.version).toBe(system?.version);
    expect(got[0]?.value.meta?.actor?.personIds).toEqual(["tester"]);
    const created = await events("vis.registry.camera.created", (d) => d, 1);
    expect(created.map((e) => e.msgId)).toContain(`camera:${camera?.id}:${camera?.version}`);
  });

  it("endpoint credentials are a write-only secret reference: never in reads, events, Redis or logs", async () => {
    const secret = "secret://vault/tianning/shop-nvr";
    const { endpoint } = await hub.client.createEndpoint({
      endpoint: {
        systemId: "shop",
        protocol: EndpointProtocol.RTSP,
        address: "10.1.1.1:554",
        credentialRef: secret,
        probe: { enabled: true, intervalSeconds: 30, timeoutMs: 2000 },
      },
    });
    expect(endpoint).toMatchObject({ credentialRef: "", hasCredentials: true });
    const read = await hub.client.getEndpoint({ id: endpoint?.id ?? "" });
    expect(read.endpoint).toMatchObject({
      credentialRef: "",
      hasCredentials: true,
      address: "10.1.1.1:554",
    });
    const kept = await hub.client.updateEndpoint({
      endpoint: edit(read.endpoint, { address: "10.1.1.2:554" }),
      expectedVersion: read.endpoint?.version ?? 0n,
      keepCredentials: true,
    });
    expect(kept.endpoint).toMatchObject({ hasCredentials: true, address: "10.1.1.2:554" });
    const evs = await events(
      "vis.registry.endpoint.*",
      (d) => fromBinary(EndpointEventSchema, d),
      2,
    );
    for (const e of evs) expect(e.value.endpoint?.credentialRef).toBe("");
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "reg:*", "COUNT", 1000);
      cursor = next;
      for (const k of keys)
        if ((await redis.type(k)) === "string")
          expect(await redis.get(k)).not.toContain("vault/tianning");
    } while (cursor !== "0");
    expect(JSON.stringify(hub.proc.logs)).not.toContain("vault/tianning");
  });
});

describe("search", () => {
  it("filters, text (Chinese and English), stable cursor paging without gaps or repeats", async () => {
    for (let i = 0; i < 23; i++) {
      await hub.client.createCamera({
        camera: cameraInit("shop", i % 2 === 0 ? `人民路口 ${i}` : `Renmin road ${i}`, {
          id: `srch-${String(i).padStart(2, "0")}`,
          locationType: i % 3 === 0 ? LocationType.JUNCTION : LocationType.ROAD,
        }),
      });
    }
    const seen: string[] = [];
    let cursor = "";
    for (let pages = 0; pages < 10; pages++) {
      const r = await hub.client.listCameras({
        filter: { district: "tianning", text: "" },
        pageSize: 7,
        cursor,
      });
      seen.push(...r.cameras.map((c) => c.id));
      cursor = r.nextCursor;
      if (cursor === "") break;
    }
    expect(seen.filter((id) => id.startsWith("srch-"))).toHaveLength(23);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    const zh = await hub.client.listCameras({
      filter: { text: "人民路", systemId: "shop" },
      pageSize: 100,
    });
    expect(zh.cameras.map((c) => c.id)).toHaveLength(12);
    const en = await hub.client.listCameras({
      filter: { text: "renmin", locationType: LocationType.JUNCTION },
      pageSize: 100,
    });
    expect(en.cameras.map((c) => c.id).sort()).toEqual([
      "srch-03",
      "srch-09",
      "srch-15",
      "srch-21",
    ]);
    expect((await hub.client.listCameras({ filter: { district: "nowhere" } })).total).toBe(0n);
  });

  it("the Redis projection is rebuilt from the durable record (after FLUSHALL, on its own and on request)", async () => {
    const before = await hub.client.listCameras({ filter: {}, pageSize: 1000 });
    expect(before.total).toBeGreaterThan(20n);
    await redis.flushall();
    await eventually("the projector to notice the empty Redis and re-project", async () => {
      const r = await hub.client.listCameras({ filter: {}, pageSize: 1000 });
      return r.total === before.total;
    });
    const rebuilt = await hub.client.rebuildProjection({});
    expect(rebuilt.cameras).toBe(before.total);
    expect(rebuilt.systems).toBeGreaterThanOrEqual(1n);
    const after = await hub.client.listCameras({ filter: {}, pageSize: 1000 });
    expect(after.cameras.map((c) => [c.id, c.version])).toEqual(
      before.cameras.map((c) => [c.id, c.version]),
    );
  });
});
