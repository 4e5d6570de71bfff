import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };

// The registry: the one register of agencies, video systems, cameras, interconnect endpoints and filings (备案); enforces the registration articles (Art. 7–21) and announces every change on JetStream.
// This is the process frame (config, NATS, Redis, gRPC with Admin, health and reflection,
// telemetry, clean shutdown); the registry's own API is added to `start` as it is built.
await runService({
  name: "registry",
  version: pkg.version,
  config: {},
  grpcServices: [],
  start: async () => undefined,
});
