import type { ErrorCode } from "./code.ts";
import { httpStatusOf } from "./http-status.ts";
import { fromPublic, type VisError } from "./vis-error.ts";

/**
 * NATS service-error headers: the standard `Nats-Service-Error(-Code)` pair that nats.js services
 * use, plus VISLink's own code, field and article.
 */
export const NATS_ERROR_HEADERS = {
  status: "Nats-Service-Error-Code",
  message: "Nats-Service-Error",
  code: "Vis-Error-Code",
  field: "Vis-Error-Field",
  article: "Vis-Error-Article",
} as const;

export function natsErrorHeaders(err: VisError): Record<string, string> {
  const h: Record<string, string> = {
    [NATS_ERROR_HEADERS.status]: String(httpStatusOf(err.code)),
    [NATS_ERROR_HEADERS.message]: err.message,
    [NATS_ERROR_HEADERS.code]: err.code,
  };
  if (err.field !== undefined) h[NATS_ERROR_HEADERS.field] = err.field;
  if (err.article !== undefined) h[NATS_ERROR_HEADERS.article] = err.article;
  return h;
}

/** Reads an error back from headers; undefined when the message carries none. */
export function errorFromNatsHeaders(
  get: (name: string) => string | undefined,
): VisError | undefined {
  const code = get(NATS_ERROR_HEADERS.code);
  if (code === undefined || code === "") return undefined;
  return fromPublic({
    code: code as ErrorCode,
    message: get(NATS_ERROR_HEADERS.message),
    field: get(NATS_ERROR_HEADERS.field),
    article: get(NATS_ERROR_HEADERS.article),
  });
}
