export { findBinary } from "./binaries.ts";
export { liveChildCount, makeTempDir, removeTempDir } from "./cleanup.ts";
export { dockerAvailable } from "./docker.ts";
export { freePort } from "./free-port.ts";
export type { LogLine } from "./log-lines.ts";
export { type NatsOptions, type NatsUser, natsAuthConfig, startNats } from "./nats-server.ts";
export { childEnv, repoRoot, tsxLoaderUrl } from "./node-entry.ts";
export { probeNats, probeRedis } from "./probe.ts";
export { type RedisOptions, startRedis } from "./redis-server.ts";
export { type RunOptions, type RunResult, runToExit } from "./run-to-exit.ts";
export type {
  NatsServer,
  RedisServer,
  ServerHandle,
  ServerKind,
} from "./server-handle.ts";
export { externalServer, UnsupportedForExternal } from "./server-handle.ts";
export {
  type ServiceExit,
  type ServiceProcess,
  type ServiceProcessOptions,
  startServiceProcess,
} from "./service-process.ts";
export type { ExitInfo } from "./wait.ts";
