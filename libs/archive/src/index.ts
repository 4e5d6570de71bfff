// @vis/archive — the hub's recorded footage: store, index, manifest chain, retention, exports.
export { Archive, type ArchiveOptions, type RemovalOutcome } from "./archive.ts";
export { canonicalJson, sha256Hex } from "./canonical.ts";
export { DiskGuard, type DiskState } from "./disk-guard.ts";
export {
  type ExportBody,
  type ExportJwks,
  type ExportProblem,
  ExportSigner,
  type SignedExportManifest,
  verifyExport,
} from "./export-manifest.ts";
export { FsSegmentStore } from "./fs-store.ts";
export {
  type ChainProblem,
  GENESIS,
  type ManifestRecord,
  manifestKey,
  nextRecord,
  verifyChain,
} from "./manifest.ts";
export {
  assertRemovable,
  checkRetentionDays,
  DAY_MS,
  type HoldRelease,
  type LegalHold,
  MIN_RETENTION_DAYS,
  planRetention,
  type RetentionPlan,
} from "./retention.ts";
export { S3SegmentStore, type S3StoreOptions } from "./s3-store.ts";
export { CAMERA_ID, parseSegmentKey, type SegmentRef, segmentKey } from "./segment.ts";
export type { SegmentStore, StoredObject } from "./segment-store.ts";
export { type IndexRedis, TimeIndex } from "./time-index.ts";
export {
  checkWindow,
  MAX_WINDOW_MS,
  planWindow,
  type WindowMs,
  type WindowPlan,
} from "./window-plan.ts";
