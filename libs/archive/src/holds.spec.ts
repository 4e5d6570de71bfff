import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Archive } from "./archive.ts";
import { FsSegmentStore } from "./fs-store.ts";
import type { HoldRelease, LegalHold } from "./retention.ts";
import type { TimeIndex } from "./time-index.ts";

// Holds and their releases live in the store only (the index is not involved).
describe("legal holds: placed once, released once, the hold record kept", () => {
  const root = mkdtempSync(join(tmpdir(), "vis-holds-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const store = new FsSegmentStore(root);
  const archive = new Archive({
    store,
    index: {} as TimeIndex,
    retentionDays: async () => 30,
    clock: () => 1_000,
  });
  const hold: LegalHold = {
    id: "h-1",
    camera: "cam-001",
    fromMs: 0,
    toMs: 10_000,
    caseId: "WJ-CASE-7",
    grantId: "g-1",
    placedAt: 500,
    agencyId: "wujin-police",
    officers: ["010001", "010002"],
  };
  const release: HoldRelease = {
    holdId: "h-1",
    camera: "cam-001",
    releasedAt: 2_000,
    agencyId: "wujin-police",
    officers: ["010001", "010002"],
    grantId: "g-2",
    reason: "case closed",
  };

  it("a placed hold is in force until released; the release is kept beside it", async () => {
    await archive.placeHold(hold);
    await archive.placeHold({ ...hold, id: "h-2" });
    expect((await archive.holds("cam-001")).map((h) => h.id).sort()).toEqual(["h-1", "h-2"]);
    expect(await archive.releaseHold(release)).toEqual(hold);
    expect((await archive.holds("cam-001")).map((h) => h.id)).toEqual(["h-2"]);
    expect(await archive.hold("cam-001", "h-1")).toEqual({ hold, release });
    expect(await archive.releases("cam-001")).toEqual([release]);
  });

  it("refuses a second release, an unknown hold, a release without reason, a placed id again", async () => {
    await expect(archive.releaseHold(release)).rejects.toMatchObject({
      code: "failed_precondition",
      field: "hold_id",
    });
    await expect(archive.releaseHold({ ...release, holdId: "h-9" })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(
      archive.releaseHold({ ...release, holdId: "h-2", reason: " " }),
    ).rejects.toMatchObject({ code: "invalid_argument", field: "reason" });
    await expect(archive.hold("cam-001", "../x")).rejects.toMatchObject({ field: "hold_id" });
    await expect(archive.placeHold(hold)).rejects.toMatchObject({ code: "already_exists" });
    // nothing above changed what is in force
    expect((await archive.holds("cam-001")).map((h) => h.id)).toEqual(["h-2"]);
  });
});
