import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };

// The gateway: relays camera streams on demand to authorised viewers (HTTP-FLV, WS-FLV, RTMP, HLS), checking a grant before any media flows, and serves recorded windows.
// This is the process frame (config, NATS, Redis, gRPC with Admin, health and reflection,
// telemetry, clean shutdown); the gateway's own API is added to `start` as it is built.
await runService({
  name: "gateway",
  version: pkg.version,
  config: {},
  grpcServices: [],
  start: async () => undefined,
});
