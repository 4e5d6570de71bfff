import { create, fromBinary } from "@bufbuild/protobuf";
import type { Bus, ConsumerHandle } from "@vis/bus";
import {
  type ChangeRefused,
  ChangeRefusedSchema,
  ExportedSchema,
  type Held,
  HeldSchema,
  HoldPhase,
  type SegmentRemoved as RemovedEntry,
  SegmentRemovedSchema as RemovedEntrySchema,
} from "@vis/proto/vis/access/v1/log_pb";
import {
  ArchiveRefusedSchema,
  ExportCreatedSchema,
  HoldPlacedSchema,
  HoldReleasedSchema,
  SegmentRemovedSchema,
} from "@vis/proto/vis/archive/v1/events_pb";
import type { Logger } from "@vis/telemetry";
import type { Authorizer } from "../authorizer.ts";
import { attachWhenReady } from "./attach.ts";

export const ARCHIVE_STREAM_NAME = "VIS_ARCHIVE";
const DURABLE = "authorizer-archive";

/** An archive fact as a registration-log entry: its id (one entry per fact) and body. */
export type ArchiveEntry =
  | { id: string; body: { case: "segmentRemoved"; value: RemovedEntry } }
  | { id: string; body: { case: "held"; value: Held } }
  | { id: string; body: { case: "changeRefused"; value: ChangeRefused } };

/**
 * Maps a `VIS_ARCHIVE` message to the log entry that registers it, or undefined for facts that are
 * not registrations (gaps and halts go to health; refused plays stay on the stream). Pure.
 */
export function archiveEntry(subject: string, data: Uint8Array): ArchiveEntry | undefined {
  switch (subject) {
    case "vis.archive.segment.removed": {
      const e = fromBinary(SegmentRemovedSchema, data);
      return {
        id: `rm-${e.cameraId}-${e.manifestSeq}`,
        body: {
          case: "segmentRemoved",
          value: create(RemovedEntrySchema, {
            cameraId: e.cameraId,
            key: e.key,
            ...(e.span?.from && e.span.to ? { span: { from: e.span.from, to: e.span.to } } : {}),
            sha256: e.sha256,
            retentionDays: e.retentionDays,
            manifestSeq: e.manifestSeq,
            reason: e.reason,
          }),
        },
      };
    }
    case "vis.archive.hold.placed":
    case "vis.archive.hold.released": {
      const released = subject.endsWith(".released");
      const r = released ? fromBinary(HoldReleasedSchema, data) : undefined;
      const e = r ?? fromBinary(HoldPlacedSchema, data);
      const w = e.window;
      return {
        id: `hold-${e.holdId}-${released ? "released" : "placed"}`,
        body: {
          case: "held",
          value: create(HeldSchema, {
            holdId: e.holdId,
            phase: released ? HoldPhase.RELEASED : HoldPhase.PLACED,
            cameraId: e.cameraId,
            ...(w?.from && w.to ? { window: { from: w.from, to: w.to } } : {}),
            caseId: e.caseId,
            grantId: e.grantId,
            agencyId: e.meta?.actor?.agencyId ?? "",
            officers: (e.meta?.actor?.personIds ?? []).join(","),
            releasedUnderGrant: r?.releasedUnderGrant ?? "",
            reason: r?.reason ?? "",
          }),
        },
      };
    }
    case "vis.archive.request.refused": {
      const e = fromBinary(ArchiveRefusedSchema, data);
      // attempts to delete or alter recordings are registered; refused plays are not registrations
      if (!e.what.startsWith("segment.")) return undefined;
      return {
        id: `chg-${e.meta?.id ?? ""}`,
        body: {
          case: "changeRefused",
          value: create(ChangeRefusedSchema, {
            what: e.what,
            cameraId: e.cameraId,
            code: e.code,
            message: e.message,
            article: e.article,
            remoteAddress: e.remoteAddress,
          }),
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * Registers the archive's facts (Art. 21(7), 22(3), 24–25) from `VIS_ARCHIVE`: exports (copies)
 * become `exported` entries (id `exp-<export id>`); retention removals, legal holds placed and
 * released, and refused attempts to delete or alter recordings become their own entries. Ids are
 * derived from the fact, so a redelivered event is registered once. An export under a grant that
 * did not allow copying is still registered, and logged as an error.
 */
export async function registerArchiveFacts(
  bus: Bus,
  az: Authorizer,
  logger: Logger,
  stopping: AbortSignal,
): Promise<() => Promise<void>> {
  let handle: ConsumerHandle | undefined;
  const onExport = async (data: Uint8Array) => {
    const e = fromBinary(ExportCreatedSchema, data);
    const r = await az.registerExport(
      e.exportId,
      create(ExportedSchema, {
        grantId: e.grantId,
        cameraId: e.cameraId,
        ...(e.window?.from !== undefined && e.window.to !== undefined
          ? { window: { from: e.window.from, to: e.window.to } }
          : {}),
        viewer: e.officers.join(","),
        sha256: e.clipSha256,
        bytes: e.clipBytes,
        agencyId: e.agencyId,
      }),
    );
    if (!r.allowed) {
      logger.error(
        { event: "export_not_allowed", export: e.exportId, grant: e.grantId, index: r.index },
        "an export under a grant that does not allow copying was registered",
      );
    }
  };
  const attach = async () => {
    handle = await bus.consume(
      { stream: ARCHIVE_STREAM_NAME, filterSubject: "vis.archive.>" },
      {
        durable: DURABLE,
        handler: async (data, info) => {
          if (info.subject === "vis.archive.export.created") return onExport(data);
          const entry = archiveEntry(info.subject, data);
          if (entry !== undefined) await az.registerFact(entry.id, entry.body);
        },
      },
    );
    logger.info({ event: "archive_facts_attached" }, "registering archive facts");
  };
  await attachWhenReady(attach, () => handle !== undefined, stopping);
  return async () => {
    await handle?.stop();
  };
}
