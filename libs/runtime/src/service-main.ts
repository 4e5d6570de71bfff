import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { trace } from "@opentelemetry/api";
import { type Bus, connectBus, type StreamSpec } from "@vis/bus";
import { type ConfigOf, loadConfig, type Spec } from "@vis/config";
import { Admin } from "@vis/proto/vis/ops/v1/admin_pb";
import { createRpcServer, type RpcServer } from "@vis/rpc";
import { connectStore, type Store } from "@vis/store";
import { createLogger, type Logger, startTelemetry, type Telemetry } from "@vis/telemetry";
import { commonConfig } from "./common-config.ts";
import { DependencyTracker } from "./dependencies.ts";
import { exitWithError } from "./fatal.ts";
import { instanceStarted, instanceStopping, OPS_STREAM } from "./instance-events.ts";

export type ServiceConfig<S extends Spec> = ConfigOf<typeof commonConfig> & ConfigOf<S>;

/** What a service's `start` gets: everything already connected, validated and observable. */
export interface ServiceContext<S extends Spec> {
  readonly name: string;
  readonly instanceId: string;
  readonly config: ServiceConfig<S>;
  readonly logger: Logger;
  readonly bus: Bus;
  readonly store: Store;
  readonly rpc: RpcServer;
  /** Aborted when the process begins to stop. */
  readonly stopping: AbortSignal;
}

export interface ServiceDefinition<S extends Spec> {
  readonly name: string;
  readonly version: string;
  /** The service's own settings, beside the common ones. */
  readonly config: S;
  /** JetStream streams the service writes to; created or updated at start. */
  readonly streams?: readonly StreamSpec[];
  /** The gRPC services the service exposes: they report NOT_SERVING while a dependency is down. */
  readonly grpcServices: readonly string[];
  /** Wires handlers and consumers. The returned function (if any) runs first on stop. */
  start(ctx: ServiceContext<S>): Promise<(() => Promise<void>) | undefined>;
}

/**
 * Runs one service as a process: config → telemetry → NATS and Redis → streams → gRPC (with Admin,
 * health, reflection) → announce → ready. SIGTERM/SIGINT stop it cleanly within the grace period.
 * Failures before "ready" print one line naming what and where, and exit non-zero.
 */
export async function runService<S extends Spec>(def: ServiceDefinition<S>): Promise<void> {
  const instanceId = `${def.name}-${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const startedAt = new Date();
  let config: ConfigOf<typeof commonConfig>;
  try {
    config = loadConfig({ ...commonConfig, ...def.config }, { env: process.env }) as ConfigOf<
      typeof commonConfig
    >;
  } catch (err) {
    exitWithError(def.name, err, 2);
  }
  const logger = createLogger({ service: def.name, instanceId, level: config.log.level });
  const stopController = new AbortController();
  let telemetry: Telemetry | undefined;
  let bus: Bus | undefined;
  let store: Store | undefined;
  let rpc: RpcServer | undefined;
  let stopService: (() => Promise<void>) | undefined;

  const shutdown = async (reason: string, code: number): Promise<never> => {
    if (stopController.signal.aborted) process.exit(code);
    stopController.abort();
    const hardStop = setTimeout(() => {
      logger.error({ event: "stop_timeout" }, "stop took too long; exiting");
      process.exit(code === 0 ? 1 : code);
    }, config.shutdown.graceMs + 2000);
    hardStop.unref();
    logger.info({ event: "stopping", reason }, "stopping");
    for (const name of ["", "vis.ops.v1.Admin", ...def.grpcServices])
      rpc?.health.set(name, "NOT_SERVING");
    try {
      if (bus?.state === "connected") {
        await bus
          .publish(instanceStopping(def.name), {
            meta: meta(),
            service: def.name,
            instanceId,
            reason,
          })
          .catch((err: unknown) => logger.warn({ err }, "could not announce stop"));
      }
      await stopService?.();
      await rpc?.close(config.shutdown.graceMs);
      await bus?.close();
      await store?.close();
      await telemetry?.shutdown();
    } catch (err) {
      logger.error({ err }, "error while stopping");
      code = code === 0 ? 1 : code;
    }
    logger.info({ event: "stopped" }, "stopped");
    process.exit(code);
  };
  const meta = () => ({
    id: randomId(),
    time: timestampNow(),
    actor: { service: def.name },
    sourceInstance: instanceId,
  });

  try {
    telemetry = await startTelemetry({
      service: def.name,
      instanceId,
      version: def.version,
      tracing: {
        exporter: config.traces.exporter,
        file: config.traces.file,
        otlpUrl: config.traces.otlpUrl,
      },
      metrics: { host: config.metrics.host, port: config.metrics.port },
    });
    const deps = new DependencyTracker();
    bus = await connectBus({
      servers: config.nats.url,
      name: instanceId,
      logger,
      connectTimeoutMs: config.nats.connectTimeoutMs,
      ...(config.nats.user === ""
        ? {}
        : { credentials: { user: config.nats.user, pass: config.nats.password } }),
    });
    bus.onState(deps.track("nats", config.nats.url, bus.state));
    store = await connectStore({
      url: config.redis.url,
      logger,
      connectTimeoutMs: config.redis.connectTimeoutMs,
      commandTimeoutMs: config.redis.commandTimeoutMs,
      maxOfflineQueue: config.redis.maxOfflineQueue,
    });
    store.onState(deps.track("redis", config.redis.url, store.state));
    await bus.ensureStreams([OPS_STREAM, ...(def.streams ?? [])]);

    rpc = createRpcServer({ host: config.grpc.host, port: config.grpc.port, logger });
    const server = rpc;
    let grpcAddress = "";
    server.add(Admin, {
      getInfo: async () => ({
        service: def.name,
        instanceId,
        version: def.version,
        startedAt: timestampFromDate(startedAt),
        pid: process.pid,
        grpcAddress,
        metricsUrl: telemetry?.metricsUrl ?? "",
        dependencies: deps.describe(),
      }),
    });
    stopService = await def.start({
      name: def.name,
      instanceId,
      config: config as ServiceConfig<S>,
      logger,
      bus,
      store,
      rpc: server,
      stopping: stopController.signal,
    });
    const port = await server.listen();
    grpcAddress = `${config.grpc.host}:${port}`;
    const setServing = (up: boolean) => {
      if (stopController.signal.aborted) return;
      const status = up ? "SERVING" : "NOT_SERVING";
      for (const name of ["", "vis.ops.v1.Admin", ...def.grpcServices])
        server.health.set(name, status);
      logger.info({ event: "serving", status }, `health ${status}`);
    };
    deps.onChange(setServing);
    setServing(deps.allUp());

    await trace.getTracer("vis-runtime").startActiveSpan("announce instance", async (span) => {
      try {
        await bus?.publish(instanceStarted(def.name), {
          meta: meta(),
          service: def.name,
          instanceId,
          version: def.version,
          grpcAddress,
          metricsUrl: telemetry?.metricsUrl ?? "",
          startedAt: timestampFromDate(startedAt),
        });
      } finally {
        span.end();
      }
    });
    process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
    process.once("SIGINT", () => void shutdown("SIGINT", 0));
    logger.info(
      { event: "ready", grpc: grpcAddress, metrics: telemetry.metricsUrl, version: def.version },
      "ready",
    );
  } catch (err) {
    await Promise.allSettled([rpc?.close(0), bus?.close(), store?.close(), telemetry?.shutdown()]);
    exitWithError(def.name, err, 1);
  }
}

function randomId(): string {
  return randomBytes(16).toString("hex");
}
