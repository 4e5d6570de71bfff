import { int, oneOf, port, str, url } from "@vis/config";

/** Settings every service process has; each service adds its own beside them. */
export const commonConfig = {
  grpc: { host: str("127.0.0.1"), port: port(0) },
  metrics: { host: str("127.0.0.1"), port: port(0) },
  nats: {
    url: url("nats://127.0.0.1:4222", ["nats:", "tls:"]),
    connectTimeoutMs: int(5000, 100, 120_000),
    /** NATS user and password of this service; empty connects without credentials. */
    user: str("", { allowEmpty: true }),
    password: str("", { allowEmpty: true, secret: true }),
  },
  redis: {
    url: url("redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    connectTimeoutMs: int(5000, 100, 120_000),
    commandTimeoutMs: int(2000, 10, 60_000),
    maxOfflineQueue: int(1000, 0, 1_000_000),
  },
  log: { level: oneOf("info", ["trace", "debug", "info", "warn", "error", "fatal"] as const) },
  traces: {
    exporter: oneOf("none", ["none", "file", "otlp"] as const),
    file: str("", { allowEmpty: true }),
    otlpUrl: url("", ["http:", "https:"], { optional: true }),
  },
  shutdown: { graceMs: int(3000, 0, 60_000) },
} as const;
