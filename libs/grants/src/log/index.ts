export {
  checkpointBody,
  LOG_ORIGIN,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from "./checkpoint.ts";
export {
  EMPTY_ROOT,
  equalHash,
  type Hash,
  leafHash,
  MerkleLog,
  nodeHash,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.ts";
export {
  CHECKPOINT_STREAM,
  CHECKPOINT_SUBJECT,
  LOG_STREAM,
  LOG_SUBJECT,
  logAdminSubjects,
  serviceNatsPermissions,
} from "./nats.ts";
export { type LogProblem, type LogReport, verifyLog, ZERO_HASH } from "./verify-log.ts";
