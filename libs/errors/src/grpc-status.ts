import type { ErrorCode } from "./code.ts";

/** gRPC status numbers (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), mapped once. */
const TO_GRPC: Record<ErrorCode, number> = {
  canceled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

const FROM_GRPC = new Map<number, ErrorCode>(
  Object.entries(TO_GRPC).map(([code, n]) => [n, code as ErrorCode]),
);

export function grpcStatusOf(code: ErrorCode): number {
  return TO_GRPC[code];
}

export function codeOfGrpcStatus(status: number): ErrorCode {
  return FROM_GRPC.get(status) ?? "unknown";
}

/** Metadata keys that carry the parts of a VisError a gRPC status cannot. */
export const GRPC_METADATA = {
  code: "vis-error-code",
  field: "vis-error-field",
  article: "vis-error-article",
} as const;
