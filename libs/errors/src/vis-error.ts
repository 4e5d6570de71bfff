import { type ErrorCode, isErrorCode } from "./code.ts";

export interface VisErrorOptions {
  /** The request or config field at fault, as a dotted path (`camera.location_type`). */
  readonly field?: string;
  /** The regulation article a refusal rests on (`Art. 9`). */
  readonly article?: string;
  /** Kept for logs; never sent to a caller. */
  readonly cause?: unknown;
}

/**
 * The one error type. `message` is safe to show a caller; `cause` stays inside the process.
 */
export class VisError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly article: string | undefined;

  constructor(code: ErrorCode, message: string, options: VisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VisError";
    this.code = code;
    this.field = options.field;
    this.article = options.article;
  }

  /** The caller-facing form: code, message, field, article. No cause, no stack. */
  toJSON(): PublicError {
    const out: PublicError = { code: this.code, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    if (this.article !== undefined) out.article = this.article;
    return out;
  }

  /** Wraps anything thrown into a VisError; unknown failures become `internal` with a bland message. */
  static from(err: unknown, fallback: ErrorCode = "internal"): VisError {
    if (err instanceof VisError) return err;
    return new VisError(fallback, fallback === "internal" ? "internal error" : String(err), {
      cause: err,
    });
  }
}

export interface PublicError {
  code: ErrorCode;
  message: string;
  field?: string;
  article?: string;
}

/** Rebuilds a VisError from its public form, as received over a transport. */
export function fromPublic(value: {
  code?: unknown;
  message?: unknown;
  field?: unknown;
  article?: unknown;
}): VisError {
  const code = isErrorCode(value.code) ? value.code : "unknown";
  const message = typeof value.message === "string" ? value.message : "unknown error";
  const options: { field?: string; article?: string } = {};
  if (typeof value.field === "string" && value.field !== "") options.field = value.field;
  if (typeof value.article === "string" && value.article !== "") options.article = value.article;
  return new VisError(code, message, options);
}
