import { Metadata, status } from "@grpc/grpc-js";
import {
  codeOfGrpcStatus,
  type ErrorCode,
  fromPublic,
  GRPC_METADATA,
  grpcStatusOf,
  VisError,
} from "@vis/errors";

/** What grpc-js needs to end a call with an error: code, details and trailing metadata. */
export interface GrpcStatusError extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

/**
 * The one place a thrown value becomes a gRPC status. A `VisError` keeps its code, message, field
 * and article (the last three in trailing metadata); anything else becomes `internal` /
 * "internal error", its message and stack left for the log.
 */
export function toGrpcStatus(err: unknown): { status: GrpcStatusError; error: VisError } {
  const error = VisError.from(err);
  const metadata = new Metadata();
  metadata.set(GRPC_METADATA.code, error.code);
  if (error.field !== undefined) metadata.set(GRPC_METADATA.field, error.field);
  if (error.article !== undefined) metadata.set(GRPC_METADATA.article, error.article);
  const status = Object.assign(new Error(error.message), {
    code: grpcStatusOf(error.code),
    details: error.message,
    metadata,
  });
  return { status, error };
}

/** Codes that mean the server itself failed, worth an error log rather than a debug line. */
export function isServerFault(code: ErrorCode): boolean {
  return code === "internal" || code === "unknown" || code === "data_loss";
}

/** The parts of a grpc-js client error that matter here. */
export interface GrpcFailure {
  code?: number | undefined;
  details?: string | undefined;
  metadata?: Metadata | undefined;
}

function first(md: Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return typeof v === "string" ? v : undefined;
}

/**
 * Rebuilds a `VisError` on the client. When the server spoke VISLink (metadata carries the code)
 * the error comes back as it was thrown; otherwise the status is mapped, and failures of the call
 * itself (no connection, deadline, cancel) say which method and address they concern.
 */
export function fromGrpcFailure(
  failure: GrpcFailure,
  call: { path: string; address: string; deadlineMs: number },
): VisError {
  const visCode = first(failure.metadata, GRPC_METADATA.code);
  const details = failure.details ?? "";
  if (visCode !== undefined) {
    return fromPublic({
      code: visCode,
      message: details,
      field: first(failure.metadata, GRPC_METADATA.field),
      article: first(failure.metadata, GRPC_METADATA.article),
    });
  }
  const code = codeOfGrpcStatus(failure.code ?? status.UNKNOWN);
  const where = `${call.path} at ${call.address}`;
  switch (code) {
    case "unavailable":
      return new VisError(
        "unavailable",
        `cannot reach ${call.address}: ${connectReason(details)}`,
        {
          cause: failure,
        },
      );
    case "deadline_exceeded":
      return new VisError("deadline_exceeded", `${where}: no answer within ${call.deadlineMs} ms`, {
        cause: failure,
      });
    case "canceled":
      return new VisError("canceled", `${where}: canceled`, { cause: failure });
    default:
      return new VisError(code, details || `${where}: ${code}`, { cause: failure });
  }
}

/**
 * grpc-js wraps the socket error in prose ("No connection established. Last error: Error: connect
 * ECONNREFUSED 127.0.0.1:1. Resolution note: "); keep the part a person acts on.
 */
export function connectReason(details: string): string {
  const socket = /\b(connect|getaddrinfo|read|write) (E[A-Z]+)\b/.exec(details);
  if (socket) return `${socket[1]} ${socket[2]}`;
  return details.replace(/\s*Resolution note:\s*$/, "").trim() || "no connection";
}
