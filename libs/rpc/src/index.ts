// Public API of @vis/rpc. Named exports only.

// For other libraries: the adapter and the edges, for code that drives grpc-js directly.
export { methodDefinition, methodPath, serviceDefinition } from "./adapter.ts";
export type { CallOptions } from "./call-setup.ts";
export {
  type ClientMethod,
  createRpcClient,
  DEFAULT_DEADLINE_MS,
  type RpcClient,
  type RpcClientOptions,
} from "./client.ts";
export { fromGrpcFailure, toGrpcStatus } from "./grpc-error.ts";
export type { HealthStatus, ServingStatus } from "./health.ts";
export { type RpcLogger, silentLogger } from "./logger.ts";
export { checkHealth, listServices, type ProbeOptions } from "./probes.ts";
// For users: servers, clients, probes.
export { createRpcServer, type RpcServer, type RpcServerOptions } from "./server.ts";
export type {
  BidiStreamingImpl,
  CallContext,
  ClientStreamingImpl,
  MethodImpl,
  Send,
  ServerStreamingImpl,
  ServiceImpl,
  UnaryImpl,
} from "./service-impl.ts";
export { metadataGetter, metadataSetter } from "./telemetry.ts";
