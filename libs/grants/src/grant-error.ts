import { type ErrorCode, VisError } from "@vis/errors";

/**
 * Why a token was refused. Stable: the gateway may map them to HTTP answers and metrics.
 * `malformed`, `bad_signature`, `unknown_key`, `expired`, `not_yet_valid`, `wrong_audience`
 * → `unauthenticated`; the scope mismatches and `revoked` → `permission_denied`.
 */
export type GrantRejectReason =
  | "malformed"
  | "bad_signature"
  | "unknown_key"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "camera_not_granted"
  | "mode_not_granted"
  | "action_not_granted"
  | "window_not_granted"
  | "revoked";

const UNAUTHENTICATED = new Set<GrantRejectReason>([
  "malformed",
  "bad_signature",
  "unknown_key",
  "expired",
  "not_yet_valid",
  "wrong_audience",
]);

/** A refused grant token: a VisError with a stable `reason`. */
export class GrantError extends VisError {
  readonly reason: GrantRejectReason;

  constructor(reason: GrantRejectReason, message: string, cause?: unknown) {
    const code: ErrorCode = UNAUTHENTICATED.has(reason) ? "unauthenticated" : "permission_denied";
    super(code, `grant ${reason}: ${message}`, { field: "token", article: "Art. 24", cause });
    this.name = "GrantError";
    this.reason = reason;
  }
}
