import {
  FilingKind,
  Funding,
  Lifecycle,
  LocationType,
  ObligationState,
} from "@vis/proto/vis/registry/v1/model_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actor,
  cameraInit,
  edit,
  type RegistryHub,
  refusal,
  seedAgencies,
  startRegistryHub,
  systemInit,
} from "./registry-fixture.ts";

// Every registration rule of the regulation, enforced at the registry's edge against real NATS and
// Redis: each refusal carries a stable code, the field and the article, and leaves stored data intact.
let hub: RegistryHub;
let ag: Awaited<ReturnType<typeof seedAgencies>>;
beforeAll(async () => {
  hub = await startRegistryHub();
  ag = await seedAgencies(hub.client, "wujin");
});
afterAll(async () => {
  await hub?.stop();
});

describe("registration rules", () => {
  it("Art. 9: refuses cameras in private places, by type or by description, and stores nothing", async () => {
    const { system } = await hub.client.createSystem({
      system: systemInit({ id: "hotel-1", name: "Hotel", ownerAgencyId: ag.operator?.id ?? "" }),
    });
    for (const [over, field] of [
      [{ locationType: LocationType.HOTEL_GUEST_ROOM }, "camera.location_type"],
      [{ locationType: LocationType.TOILET }, "camera.location_type"],
      [{ locationType: LocationType.DORMITORY }, "camera.location_type"],
      [{ locationType: LocationType.BATHHOUSE }, "camera.location_type"],
      [{ locationType: LocationType.CHANGING_ROOM }, "camera.location_type"],
      [{ locationType: LocationType.OTHER, locationNote: "员工宿舍二楼" }, "camera.location_note"],
    ] as const) {
      const err = await refusal(() =>
        hub.client.createCamera({
          camera: cameraInit(system?.id ?? "", "bad", { id: "bad-cam", ...over }),
          actor,
        }),
      );
      expect(err.code).toBe("permission_denied");
      expect(err.article).toBe("Art. 9");
      expect(err.field).toBe(field);
      expect(err.message).toMatch(/Art\. 9/);
    }
    expect((await refusal(() => hub.client.getCamera({ id: "bad-cam" }))).code).toBe("not_found");
    // The corridor outside the guest rooms is fine.
    const ok = await hub.client.createCamera({
      camera: cameraInit(system?.id ?? "", "客房走廊 5F", { locationType: LocationType.CORRIDOR }),
    });
    expect(ok.camera?.version).toBeGreaterThan(0n);
  });

  it("Art. 21(7): refuses retention below 30 days on create and update, keeping the stored version", async () => {
    const err = await refusal(() =>
      hub.client.createSystem({
        system: systemInit({
          id: "short",
          ownerAgencyId: ag.operator?.id ?? "",
          retentionDays: 29,
        }),
      }),
    );
    expect([err.code, err.field, err.article]).toEqual([
      "invalid_argument",
      "system.retention_days",
      "Art. 21(7)",
    ]);
    const { system } = await hub.client.createSystem({
      system: systemInit({ id: "ret-ok", ownerAgencyId: ag.operator?.id ?? "", retentionDays: 30 }),
    });
    const upd = await refusal(() =>
      hub.client.updateSystem({
        system: edit(system, { retentionDays: 7 }),
        expectedVersion: system?.version ?? 0n,
      }),
    );
    expect(upd.article).toBe("Art. 21(7)");
    const after = await hub.client.getSystem({ id: "ret-ok" });
    expect(after.system?.retentionDays).toBe(30);
    expect(after.system?.version).toBe(system?.version);
  });

  it("Art. 16: a government system cannot go into service nor be shared before acceptance", async () => {
    const owner = ag.dept?.id ?? "";
    const err = await refusal(() =>
      hub.client.createSystem({
        system: systemInit({
          id: "gov-early",
          ownerAgencyId: owner,
          funding: Funding.GOVERNMENT,
          status: Lifecycle.IN_SERVICE,
        }),
      }),
    );
    expect([err.code, err.article]).toEqual(["failed_precondition", "Art. 16"]);
    const { system } = await hub.client.createSystem({
      system: systemInit({
        id: "gov-1",
        ownerAgencyId: owner,
        funding: Funding.GOVERNMENT,
        status: Lifecycle.BUILT,
        builtDate: "2025-01-10",
      }),
    });
    const share = await refusal(() =>
      hub.client.setSharing({
        systemId: "gov-1",
        optedIn: true,
        expectedVersion: system?.version ?? 0n,
      }),
    );
    expect(share.article).toBe("Art. 16");
    const { camera } = await hub.client.createCamera({ camera: cameraInit("gov-1", "junction") });
    let facts = (await hub.client.getCameraFacts({ cameraId: camera?.id ?? "" })).facts;
    expect(facts?.shareable).toBe(false);
    expect(facts?.notShareableReason).toMatch(/Art\. 16/);
    const early = await refusal(() =>
      hub.client.updateSystem({
        system: edit(system, { status: Lifecycle.IN_SERVICE, inServiceDate: "2025-02-01" }),
        expectedVersion: system?.version ?? 0n,
      }),
    );
    expect([early.code, early.article]).toEqual(["failed_precondition", "Art. 16"]);
    const accepted = await hub.client.updateSystem({
      system: edit(system, {
        status: Lifecycle.IN_SERVICE,
        acceptedDate: "2025-01-20",
        inServiceDate: "2025-02-01",
      }),
      expectedVersion: system?.version ?? 0n,
    });
    expect(accepted.system?.status).toBe(Lifecycle.IN_SERVICE);
    facts = (await hub.client.getCameraFacts({ cameraId: camera?.id ?? "" })).facts;
    expect(facts).toMatchObject({ shareable: true, liveAllowed: true, recordedAllowed: true });
    expect(facts?.owner?.id).toBe(owner);
  });

  it("optimistic concurrency: an update at a stale version is aborted and changes nothing", async () => {
    const { agency } = await hub.client.createAgency({
      agency: { kind: 6, name: "Water", district: "wujin" },
    });
    const v1 = agency?.version ?? 0n;
    const a2 = await hub.client.updateAgency({
      agency: edit(agency, { name: "Water works" }),
      expectedVersion: v1,
    });
    expect(a2.agency?.version).toBeGreaterThan(v1);
    const err = await refusal(() =>
      hub.client.updateAgency({ agency: edit(agency, { name: "Lost" }), expectedVersion: v1 }),
    );
    expect([err.code, err.field]).toEqual(["aborted", "expected_version"]);
    expect((await hub.client.getAgency({ id: agency?.id ?? "" })).agency?.name).toBe("Water works");
  });

  it("protovalidate rules name the field: site category outside 1–13, bad date", async () => {
    const err = await refusal(() =>
      hub.client.createSystem({
        system: systemInit({ ownerAgencyId: ag.operator?.id ?? "", siteCategory: 14 }),
      }),
    );
    expect([err.code, err.field]).toEqual(["invalid_argument", "system.site_category"]);
    const date = await refusal(() =>
      hub.client.createSystem({
        system: systemInit({ ownerAgencyId: ag.operator?.id ?? "", builtDate: "2025-02-30" }),
      }),
    );
    expect([date.code, date.field]).toEqual(["invalid_argument", "system.built_date"]);
  });

  it("Art. 17 / 18 / 19: deadlines computed, overdue and due-soon listed by district and station, filings answer them", async () => {
    const station = ag.station?.id ?? "";
    const owner = ag.operator?.id ?? "";
    await hub.client.createSystem({
      system: systemInit({
        id: "p17",
        ownerAgencyId: owner,
        policeStationId: station,
        status: Lifecycle.ACCEPTED,
        builtDate: "2026-01-02",
        acceptedDate: "2026-01-10",
      }),
    });
    await hub.client.createSystem({
      system: systemInit({
        id: "p18",
        ownerAgencyId: owner,
        policeStationId: station,
        status: Lifecycle.IN_SERVICE,
        builtDate: "2013-05-01",
      }),
    });
    const g19 = await hub.client.createSystem({
      system: systemInit({
        id: "p19",
        ownerAgencyId: owner,
        policeStationId: station,
        status: Lifecycle.ACCEPTED,
        builtDate: "2025-12-01",
        acceptedDate: "2026-01-03",
      }),
    });
    const d = await hub.client.dismantleSystem({
      id: "p19",
      dismantledDate: "2026-02-01",
      expectedVersion: g19.system?.version ?? 0n,
    });
    expect(d.obligation).toMatchObject({ article: "Art. 19", dueDate: "2026-02-16" });

    const asOf = await hub.client.listObligations({
      district: "wujin",
      policeStationId: station,
      asOf: "2026-02-10",
    });
    const by = Object.fromEntries(asOf.obligations.map((o) => [`${o.systemId}/${o.article}`, o]));
    expect(by["p17/Art. 17"]).toMatchObject({
      dueDate: "2026-02-09",
      state: ObligationState.OVERDUE,
      daysLeft: -1,
    });
    expect(by["p18/Art. 18"]).toMatchObject({
      dueDate: "2015-03-02",
      state: ObligationState.OVERDUE,
    });
    expect(by["p19/Art. 19"]).toMatchObject({
      dueDate: "2026-02-16",
      state: ObligationState.DUE_SOON,
    });
    expect(asOf.counts["wujin/wujin-station/overdue"]).toBeGreaterThanOrEqual(3); // p17, p18, p19's Art. 17
    expect(
      (await hub.client.listObligations({ district: "elsewhere", asOf: "2026-02-10" })).obligations,
    ).toEqual([]);

    const filed = await hub.client.fileRecord({
      filing: {
        systemId: "p17",
        kind: FilingKind.NEW_SYSTEM,
        filedDate: "2026-02-08",
        documents: [{ kind: 1, name: "design.pdf", sha256: "a".repeat(64) }],
        equipment: [{ name: "NVR", kind: "recorder", quantity: 1 }],
      },
    });
    expect(filed.obligation?.state).toBe(ObligationState.FILED);
    expect(filed.filing?.policeStationId).toBe(station);
    const again = await hub.client.listObligations({ district: "wujin", asOf: "2026-02-10" });
    expect(again.obligations.some((o) => o.systemId === "p17" && o.article === "Art. 17")).toBe(
      false,
    );
    const wrong = await refusal(() =>
      hub.client.fileRecord({
        filing: { systemId: "p17", kind: FilingKind.DISMANTLING, filedDate: "2026-02-08" },
      }),
    );
    expect(wrong.article).toBe("Art. 19");
  });

  it("Art. 20: public-place cameras without signage are listed", async () => {
    const owner = ag.operator?.id ?? "";
    await hub.client.createSystem({ system: systemInit({ id: "sign-sys", ownerAgencyId: owner }) });
    await hub.client.createSystem({
      system: systemInit({ id: "signed-sys", ownerAgencyId: owner, signage: true }),
    });
    await hub.client.createCamera({
      camera: cameraInit("sign-sys", "no sign", { id: "gap-1", signage: false }),
    });
    await hub.client.createCamera({
      camera: cameraInit("sign-sys", "signed", { id: "ok-1", signage: true }),
    });
    await hub.client.createCamera({
      camera: cameraInit("sign-sys", "private", { id: "ok-2", signage: false, publicPlace: false }),
    });
    await hub.client.createCamera({
      camera: cameraInit("signed-sys", "system sign", { id: "ok-3", signage: false }),
    });
    const gaps = await hub.client.listSignageGaps({ district: "wujin" });
    const ids = gaps.cameras.map((c) => c.id);
    expect(ids).toContain("gap-1");
    for (const ok of ["ok-1", "ok-2", "ok-3"]) expect(ids).not.toContain(ok);
  });
});
