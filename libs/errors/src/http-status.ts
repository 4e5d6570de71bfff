import type { ErrorCode } from "./code.ts";
import type { VisError } from "./vis-error.ts";

const TO_HTTP: Record<ErrorCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 416,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

export function httpStatusOf(code: ErrorCode): number {
  return TO_HTTP[code];
}

/** The HTTP response for an error: status and a JSON body `{ "error": { code, message, field?, article? } }`. */
export function httpErrorBody(err: VisError): { status: number; body: string } {
  return { status: httpStatusOf(err.code), body: JSON.stringify({ error: err.toJSON() }) };
}
