import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { type ErrorCode, VisError } from "@vis/errors";

/**
 * Whether an operation may succeed if repeated: timeouts, lost connections, "no responders"
 * (JetStream restarting, or not enabled) and JetStream's own 503s. Closed or draining connections
 * and API refusals are final.
 */
export function isTransient(err: unknown): boolean {
  if (
    err instanceof errors.ClosedConnectionError ||
    err instanceof errors.DrainingConnectionError
  ) {
    return false;
  }
  if (err instanceof JetStreamApiError) return err.status === 503;
  if (err instanceof errors.TimeoutError || err instanceof errors.ConnectionError) return true;
  if (err instanceof errors.RequestError) return true;
  return err instanceof Error && err.name === "JetStreamNotEnabled";
}

/** A VisError for a failed NATS operation; the original stays as the cause (logs only). */
export function toVisError(err: unknown, what: string): VisError {
  if (err instanceof VisError) return err;
  if (err instanceof Error && err.name === "JetStreamNotEnabled") {
    const text = `${what}: no JetStream answered (no stream bound to the subject, or JetStream down)`;
    return new VisError("unavailable", text, { cause: err });
  }
  return new VisError(codeOf(err), `${what}: ${reason(err)}`, { cause: err });
}

function codeOf(err: unknown): ErrorCode {
  if (err instanceof errors.TimeoutError) return "deadline_exceeded";
  if (err instanceof errors.PermissionViolationError) return "permission_denied";
  if (err instanceof errors.AuthorizationError) return "unauthenticated";
  if (err instanceof JetStreamApiError) {
    if (err.status === 503) return "unavailable";
    if (err.status === 404) return "not_found";
    return "failed_precondition";
  }
  return "unavailable";
}

/** One line: the error's message and, when it adds something, its cause's. */
export function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err).split("\n")[0] ?? "";
  const cause = err.cause instanceof Error ? err.cause.message : "";
  const text = cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}
