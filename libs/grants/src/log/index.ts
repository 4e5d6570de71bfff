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
export { type LogProblem, type LogReport, verifyLog, ZERO_HASH } from "./verify-log.ts";
