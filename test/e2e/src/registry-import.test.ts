import { Funding, Lifecycle } from "@vis/proto/vis/registry/v1/model_pb";
import { ImportEntity, ImportFormat, ImportMode } from "@vis/proto/vis/registry/v1/registry_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RegistryHub,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// Bulk import against real NATS and Redis: every row checked first, a per-row error report, and
// either nothing written (all-or-nothing) or exactly the good rows (per row) — never part of a row.
let hub: RegistryHub;
const enc = (s: string) => new TextEncoder().encode(s);
beforeAll(async () => {
  hub = await startRegistryHub();
  const ag = await seedAgencies(hub.client, "xinbei");
  await hub.client.createSystem({
    system: systemInit({
      id: "mall",
      name: "Mall",
      ownerAgencyId: ag.operator?.id ?? "",
      status: Lifecycle.BUILT,
    }),
  });
});
afterAll(async () => {
  await hub?.stop();
});

const CSV = [
  "name,system_id,location_type,location_note,public_place,signage,live_urls,playback_url_template,lat,lon",
  'North gate,mall,entrance,,yes,yes,rtmp://10.0.0.1/live/n,"http://10.0.0.1/pb?s={start}&e={end}",31.7,119.9',
  "Staff room,mall,other,员工宿舍,no,no,rtmp://10.0.0.1/live/s,,,",
  'Car park "B",mall,car_park,,yes,no,rtmp://10.0.0.1/live/b,,31.71,119.91',
  "Attic,mall,attic,,no,no,,,,",
  "Ghost,nosuch,lobby,,yes,yes,,,,",
  "Lift 2,mall,lift,,yes,yes,http://10.0.0.1/live/l.flv,,,",
].join("\n");

async function camerasOfMall(): Promise<string[]> {
  const r = await hub.client.listCameras({ filter: { systemId: "mall" }, pageSize: 100 });
  return r.cameras.map((c) => c.name).sort();
}

describe("bulk import", () => {
  it("dry run reports every bad row and writes nothing", async () => {
    const r = await hub.client.import({
      entity: ImportEntity.CAMERA,
      format: ImportFormat.CSV,
      data: enc(CSV),
      dryRun: true,
    });
    expect(r.rows).toBe(6);
    expect(r.written).toBe(0);
    expect(r.ids).toHaveLength(3);
    expect(await camerasOfMall()).toEqual([]);
  });

  it("all-or-nothing: one bad row writes nothing, and the report names row, field and article", async () => {
    const r = await hub.client.import({
      entity: ImportEntity.CAMERA,
      format: ImportFormat.CSV,
      data: enc(CSV),
      mode: ImportMode.ALL_OR_NOTHING,
    });
    expect(r.written).toBe(0);
    expect(r.errors.map((e) => [e.row, e.code, e.field, e.article])).toEqual([
      [2, "permission_denied", "camera.location_note", "Art. 9"],
      [4, "invalid_argument", "location_type", ""],
      [5, "failed_precondition", "camera.system_id", ""],
    ]);
    expect(r.errors[1]?.message).toMatch(/attic/);
    expect(await camerasOfMall()).toEqual([]);
  });

  it("per row: the good rows are written whole, the bad ones reported; a retried batch is applied once", async () => {
    const req = {
      entity: ImportEntity.CAMERA,
      format: ImportFormat.CSV,
      data: enc(CSV),
      mode: ImportMode.PER_ROW,
      batchId: "batch-1",
    };
    const r = await hub.client.import(req);
    expect(r.written).toBe(3);
    expect(r.errors.map((e) => e.row)).toEqual([2, 4, 5]);
    expect(await camerasOfMall()).toEqual(['Car park "B"', "Lift 2", "North gate"]);
    const gate = await hub.client.getCamera({ id: r.ids[0] ?? "" });
    expect(gate.camera).toMatchObject({ name: "North gate", publicPlace: true, signage: true });
    expect(gate.camera?.playback?.source).toEqual({
      case: "urlTemplate",
      value: "http://10.0.0.1/pb?s={start}&e={end}",
    });
    expect(gate.camera?.position?.lat).toBeCloseTo(31.7);
    const again = await hub.client.import(req);
    expect(again.ids).toEqual(r.ids);
    expect(await camerasOfMall()).toHaveLength(3);
  });

  it("JSON systems: Art. 21(7) and Art. 16 refusals per row; all-or-nothing keeps the good row out", async () => {
    const rows = [
      {
        id: "js-ok",
        name: "Bank",
        owner_agency_id: "xinbei-mall",
        funding: "private",
        site_category: 4,
        status: "planned",
        retention_days: 90,
      },
      {
        id: "js-short",
        name: "Shop",
        owner_agency_id: "xinbei-mall",
        funding: "private",
        site_category: 11,
        status: "planned",
        retention_days: 10,
      },
      {
        id: "js-gov",
        name: "Road",
        owner_agency_id: "xinbei-transport",
        funding: "government",
        site_category: 8,
        status: "in_service",
        retention_days: 30,
      },
      {
        id: "js-cat",
        name: "X",
        owner_agency_id: "xinbei-mall",
        funding: "private",
        site_category: 0,
        status: "planned",
        retention_days: 30,
      },
    ];
    const r = await hub.client.import({
      entity: ImportEntity.SYSTEM,
      format: ImportFormat.JSON,
      data: enc(JSON.stringify(rows)),
    });
    expect(r.written).toBe(0);
    expect(r.errors.map((e) => [e.row, e.field, e.article])).toEqual([
      [2, "system.retention_days", "Art. 21(7)"],
      [3, "system.accepted_date", "Art. 16"],
      [4, "system.site_category", ""],
    ]);
    expect((await hub.client.listSystems({ filter: { text: "bank" } })).systems).toEqual([]);
    const ok = await hub.client.import({
      entity: ImportEntity.SYSTEM,
      format: ImportFormat.JSON,
      data: enc(JSON.stringify(rows.slice(0, 1))),
    });
    expect(ok.ids).toEqual(["js-ok"]);
    const bank = await hub.client.listSystems({
      filter: { text: "bank", funding: Funding.PRIVATE, siteCategory: 4 },
    });
    expect(bank.systems.map((s) => [s.id, s.district])).toEqual([["js-ok", "xinbei"]]);
  });

  it("malformed input is refused whole with the field named", async () => {
    const bad = await hub.client
      .import({ entity: ImportEntity.CAMERA, format: ImportFormat.JSON, data: enc("{not json") })
      .catch((e: unknown) => e as { code: string; field: string });
    expect(bad).toMatchObject({ code: "invalid_argument", field: "data" });
  });
});
