/** The registration log stream and subject (one subject: order is the stream's order). */
export const LOG_STREAM = "VIS_ACCESS_LOG";
export const LOG_SUBJECT = "vis.access.log.entry";
/** Signed checkpoints of the log. */
export const CHECKPOINT_STREAM = "VIS_ACCESS_CHECKPOINTS";
export const CHECKPOINT_SUBJECT = "vis.access.checkpoint.signed";

/**
 * JetStream API subjects that could shorten or rewrite the log: only the admin credential that
 * provisions the streams may publish to them. Every service credential gets them as `deny`.
 */
export function logAdminSubjects(): string[] {
  return [LOG_STREAM, CHECKPOINT_STREAM].flatMap((s) => [
    `$JS.API.STREAM.CREATE.${s}`,
    `$JS.API.STREAM.UPDATE.${s}`,
    `$JS.API.STREAM.DELETE.${s}`,
    `$JS.API.STREAM.PURGE.${s}`,
    `$JS.API.STREAM.MSG.DELETE.${s}`,
    `$JS.API.STREAM.RESTORE.${s}`,
  ]);
}

/**
 * NATS permissions of a service credential: everything, except the log's admin API, and — for
 * every service but the authorizer — appending to the log or its checkpoints.
 */
export function serviceNatsPermissions(service: string): {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[] };
} {
  const deny = logAdminSubjects();
  if (service !== "authorizer") deny.push(LOG_SUBJECT, CHECKPOINT_SUBJECT);
  return { publish: { allow: [">"], deny }, subscribe: { allow: [">"] } };
}
