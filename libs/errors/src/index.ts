export { ERROR_CODES, type ErrorCode, isErrorCode } from "./code.ts";
export { codeOfGrpcStatus, GRPC_METADATA, grpcStatusOf } from "./grpc-status.ts";
export { httpErrorBody, httpStatusOf } from "./http-status.ts";
export { errorFromNatsHeaders, NATS_ERROR_HEADERS, natsErrorHeaders } from "./nats-headers.ts";
export { fromPublic, type PublicError, VisError, type VisErrorOptions } from "./vis-error.ts";
