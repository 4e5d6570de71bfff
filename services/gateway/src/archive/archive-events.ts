import { randomBytes } from "node:crypto";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HoldRelease, LegalHold, ManifestRecord, SignedExportManifest } from "@vis/archive";
import { type Bus, defineEvent, type EventType, type StreamSpec } from "@vis/bus";
import type { VisError } from "@vis/errors";
import {
  ArchiveRefusedSchema,
  ExportCreatedSchema,
  HoldPlacedSchema,
  HoldReleasedSchema,
  RecordingGapSchema,
  RecordingHaltedSchema,
  SegmentRemovedSchema,
} from "@vis/proto/vis/archive/v1/events_pb";
import type { ArchiveOutbox } from "./outbox.ts";

/** Exports, removals, refusals, gaps: kept (the registration log and retention evidence). */
export const ARCHIVE_STREAM: StreamSpec = {
  name: "VIS_ARCHIVE",
  // not `vis.archive.>`: it would overlap VIS_OPS's `vis.*.instance.*`
  subjects: [
    "vis.archive.export.*",
    "vis.archive.segment.*",
    "vis.archive.request.*",
    "vis.archive.recording.*",
    "vis.archive.hold.*",
  ],
  maxAgeMs: 400 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
  discard: "new",
  denyDelete: true,
  denyPurge: true,
  storage: "file",
};

const ev = <S extends Parameters<typeof defineEvent>[0]["schema"]>(subject: string, schema: S) =>
  defineEvent({ subject, schema, stream: ARCHIVE_STREAM.name });
export const exportCreated = ev("vis.archive.export.created", ExportCreatedSchema);
export const segmentRemoved = ev("vis.archive.segment.removed", SegmentRemovedSchema);
export const archiveRefused = ev("vis.archive.request.refused", ArchiveRefusedSchema);
export const recordingGap = ev("vis.archive.recording.gap", RecordingGapSchema);
export const recordingHalted = ev("vis.archive.recording.halted", RecordingHaltedSchema);
export const holdPlaced = ev("vis.archive.hold.placed", HoldPlacedSchema);
export const holdReleased = ev("vis.archive.hold.released", HoldReleasedSchema);

/** Events the registration log must receive: sent through the outbox when there is one. */
export const REGISTERED_EVENTS = [exportCreated, segmentRemoved, holdPlaced, holdReleased];

/**
 * Publishes the archive's facts on JetStream; failures go to `onError` (logged), never thrown.
 * With `outbox`, the facts the registration log needs (exports, removals, holds) are kept in it
 * until JetStream acknowledges them; refusals, gaps and halts are published once.
 */
export function archiveBusEvents(
  bus: Bus,
  instanceId: string,
  onError: (err: unknown, what: string) => void,
  outbox?: ArchiveOutbox,
) {
  const meta = (id?: string, time = new Date(), agencyId = "", personIds: string[] = []) => ({
    id: id ?? randomBytes(16).toString("hex"),
    time: timestampFromDate(time),
    actor: { service: "gateway", agencyId, personIds },
    sourceInstance: instanceId,
  });
  const send = (what: string, p: Promise<unknown>) => void p.catch((err) => onError(err, what));
  /** A fact for the registration log; its `meta.id` is the message id. */
  /** A fact for the registration log (its `meta.id` is the message id): resolves once it is kept
   * (outbox) or published; may reject. */
  const registerNow = <D extends DescMessage>(
    event: EventType<D>,
    value: MessageInitShape<D> & { meta: { id: string } },
  ): Promise<unknown> =>
    outbox === undefined ? bus.publish(event, value) : outbox.send(event, value.meta.id, value);
  /** `registerNow` whose failure is only logged. */
  const register = <D extends DescMessage>(
    what: string,
    event: EventType<D>,
    value: MessageInitShape<D> & { meta: { id: string } },
  ) => send(what, registerNow(event, value));
  const span = (fromMs: number, toMs: number) => ({
    from: timestampFromMs(fromMs),
    to: timestampFromMs(toMs),
  });
  return {
    exportCreated: (m: SignedExportManifest, remoteAddress: string) =>
      register("export.created", exportCreated, {
        meta: meta(m.exportId, new Date(m.createdAt), m.agencyId, [...m.officers]),
        exportId: m.exportId,
        cameraId: m.camera,
        window: span(m.window.fromMs, m.window.toMs),
        grantId: m.grantId,
        agencyId: m.agencyId,
        officers: [...m.officers],
        clipSha256: m.clip.sha256,
        clipBytes: BigInt(m.clip.bytes),
        segments: m.segments.map((s) => ({ key: s.key, sha256: s.sha256 })),
        signingKid: m.signature.kid,
        remoteAddress,
      }),
    /** Resolves once the removal is kept for registration; rejects when it could not be. */
    segmentRemoved: (r: ManifestRecord, retentionDays: number) =>
      registerNow(segmentRemoved, {
        meta: meta(`${r.camera}:${r.seq}`, new Date(r.at)),
        cameraId: r.camera,
        key: r.key,
        span: span(r.startMs, r.endMs),
        sha256: r.sha256,
        retentionDays,
        manifestSeq: BigInt(r.seq),
        reason: r.reason.slice(0, 256),
      }),
    refused: (what: string, camera: string, e: VisError, remoteAddress: string) =>
      send(
        "request.refused",
        bus.publish(archiveRefused, {
          meta: meta(),
          what: what.slice(0, 64),
          cameraId: camera.slice(0, 64),
          code: e.code,
          message: e.message.slice(0, 512),
          article: e.article ?? "",
          remoteAddress: remoteAddress.slice(0, 64),
        }),
      ),
    gap: (camera: string, fromMs: number, toMs: number, reason: string) =>
      send(
        "recording.gap",
        bus.publish(recordingGap, {
          meta: meta(`${camera}:gap:${fromMs}`),
          cameraId: camera,
          gap: span(fromMs, toMs),
          reason: reason.slice(0, 256),
        }),
      ),
    holdPlaced: (h: LegalHold, agencyId: string, officers: readonly string[]) =>
      register("hold.placed", holdPlaced, {
        meta: meta(`hold:${h.id}`, new Date(h.placedAt), agencyId, [...officers]),
        holdId: h.id,
        cameraId: h.camera,
        window: span(h.fromMs, h.toMs),
        caseId: h.caseId,
        grantId: h.grantId,
      }),
    holdReleased: (h: LegalHold, r: HoldRelease) =>
      register("hold.released", holdReleased, {
        meta: meta(`hold:${h.id}:released`, new Date(r.releasedAt), r.agencyId, [...r.officers]),
        holdId: h.id,
        cameraId: h.camera,
        window: span(h.fromMs, h.toMs),
        caseId: h.caseId,
        grantId: h.grantId,
        releasedUnderGrant: r.grantId,
        reason: r.reason,
      }),
    halted: (camera: string, reason: string, resumed: boolean) =>
      send(
        "recording.halted",
        bus.publish(recordingHalted, {
          meta: meta(),
          cameraId: camera,
          reason: reason.slice(0, 512),
          resumed,
        }),
      ),
  };
}

export type ArchiveBusEvents = ReturnType<typeof archiveBusEvents>;
