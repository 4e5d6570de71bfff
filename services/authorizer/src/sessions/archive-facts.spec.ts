import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HoldPhase } from "@vis/proto/vis/access/v1/log_pb";
import {
  ArchiveRefusedSchema,
  HoldPlacedSchema,
  HoldReleasedSchema,
  RecordingGapSchema,
  SegmentRemovedSchema,
} from "@vis/proto/vis/archive/v1/events_pb";
import { describe, expect, it } from "vitest";
import { archiveEntry } from "./archive-facts.ts";

const meta = (id: string, agencyId = "", personIds: string[] = []) => ({
  id,
  time: timestampFromMs(1_000),
  actor: { service: "gateway", agencyId, personIds },
});
const span = { from: timestampFromMs(0), to: timestampFromMs(2_000) };

describe("archive facts → registration-log entries", () => {
  it("a retention removal: one entry per camera and manifest sequence", () => {
    const e = archiveEntry(
      "vis.archive.segment.removed",
      toBinary(
        SegmentRemovedSchema,
        create(SegmentRemovedSchema, {
          meta: meta("cam-001:7"),
          cameraId: "cam-001",
          key: "seg/cam-001/000000000000000-2000.flv",
          span,
          sha256: "a".repeat(64),
          retentionDays: 45,
          manifestSeq: 7n,
          reason: "retention of 45 days expired",
        }),
      ),
    );
    expect(e?.id).toBe("rm-cam-001-7");
    expect(e?.body.case).toBe("segmentRemoved");
    expect(e?.body.value).toMatchObject({
      cameraId: "cam-001",
      retentionDays: 45,
      manifestSeq: 7n,
    });
  });

  it("a hold placed and released: two entries naming agency, officers and reason", () => {
    const w = { window: span, holdId: "h-1", cameraId: "cam-001", caseId: "WJ-7" };
    const placed = archiveEntry(
      "vis.archive.hold.placed",
      toBinary(
        HoldPlacedSchema,
        create(HoldPlacedSchema, { ...w, meta: meta("hold:h-1", "wujin-police", ["1", "2"]) }),
      ),
    );
    const released = archiveEntry(
      "vis.archive.hold.released",
      toBinary(
        HoldReleasedSchema,
        create(HoldReleasedSchema, {
          ...w,
          meta: meta("hold:h-1:released", "wujin-police", ["3", "4"]),
          releasedUnderGrant: "g-9",
          reason: "case closed",
        }),
      ),
    );
    expect(placed?.id).toBe("hold-h-1-placed");
    expect(released?.id).toBe("hold-h-1-released");
    expect(placed?.body.value).toMatchObject({
      phase: HoldPhase.PLACED,
      agencyId: "wujin-police",
      officers: "1,2",
      caseId: "WJ-7",
      reason: "",
    });
    expect(released?.body.value).toMatchObject({
      phase: HoldPhase.RELEASED,
      officers: "3,4",
      releasedUnderGrant: "g-9",
      reason: "case closed",
    });
  });

  it("registers refused changes to recordings, not refused plays, gaps or unknown subjects", () => {
    const refused = (what: string) =>
      archiveEntry(
        "vis.archive.request.refused",
        toBinary(
          ArchiveRefusedSchema,
          create(ArchiveRefusedSchema, {
            meta: meta(`r-${what}`),
            what,
            cameraId: "cam-001",
            code: "failed_precondition",
            article: "Art. 22(3)",
          }),
        ),
      );
    expect(refused("segment.delete")).toMatchObject({
      id: "chg-r-segment.delete",
      body: { case: "changeRefused", value: { what: "segment.delete", article: "Art. 22(3)" } },
    });
    expect(refused("play")).toBeUndefined();
    const gap = toBinary(
      RecordingGapSchema,
      create(RecordingGapSchema, { meta: meta("g"), cameraId: "cam-001", gap: span }),
    );
    expect(archiveEntry("vis.archive.recording.gap", gap)).toBeUndefined();
    expect(archiveEntry("vis.archive.other.thing", gap)).toBeUndefined();
  });
});
