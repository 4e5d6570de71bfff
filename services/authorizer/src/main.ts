import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };

// The authorizer: decides each access request against the rule profile (Art. 24–25), issues and revokes short-lived signed grants, and appends every act to the tamper-evident registration log.
// This is the process frame (config, NATS, Redis, gRPC with Admin, health and reflection,
// telemetry, clean shutdown); the authorizer's own API is added to `start` as it is built.
await runService({
  name: "authorizer",
  version: pkg.version,
  config: {},
  grpcServices: [],
  start: async () => undefined,
});
