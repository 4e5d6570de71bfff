import { trace } from "@opentelemetry/api";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { InstanceStartedSchema, InstanceStoppingSchema } from "@vis/proto/vis/ops/v1/instance_pb";
import { OPS_STREAM, runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { healthConfig } from "./config.ts";
import { addHealthApi } from "./edges/api.ts";
import { HEALTH_STREAM } from "./edges/events.ts";
import { consumeGatewayStats } from "./edges/gateway-stats.ts";
import { installHealthMetrics } from "./edges/metrics.ts";
import { EventPublisher } from "./edges/publisher.ts";
import { RegistryAdapter } from "./edges/registry-adapter.ts";
import { WatchHub } from "./edges/watch-hub.ts";
import { startWebhooks } from "./edges/webhooks.ts";
import { InstanceDirectory } from "./instance-directory.ts";
import { Monitor } from "./monitor.ts";
import { probeTarget } from "./probe/probe.ts";
import { HealthStore } from "./store/health-store.ts";

// The health monitor (issue #7, Art. 21(3)): probes cameras and endpoints, takes gateway stats and
// systems' reports, keeps status and incidents in Redis, publishes changes, serves queries and Watch.
await runService({
  name: "health",
  version: pkg.version,
  config: healthConfig,
  streams: [HEALTH_STREAM],
  grpcServices: [HealthMonitor.typeName],
  start: async ({ bus, store, rpc, config, logger, instanceId }) => {
    const c = config.health;
    const now = Date.now;
    const directory = new InstanceDirectory(store.redis);
    const traceId = () => trace.getActiveSpan()?.spanContext().traceId ?? "";
    const started = await bus.consume(
      {
        stream: OPS_STREAM.name,
        filterSubject: "vis.*.instance.started",
        schema: InstanceStartedSchema,
      },
      {
        durable: "health-instance-started",
        handler: (e, info) => directory.started(e, info.time, traceId()),
      },
    );
    const stopping = await bus.consume(
      {
        stream: OPS_STREAM.name,
        filterSubject: "vis.*.instance.stopping",
        schema: InstanceStoppingSchema,
      },
      {
        durable: "health-instance-stopping",
        handler: (e, info) => directory.stopping(e, info.time),
      },
    );

    const healthStore = new HealthStore(store.redis);
    const monitor = new Monitor({
      policy: {
        failuresToOffline: c.failuresToOffline,
        successesToRecover: c.successesToRecover,
        slowMs: c.slowMs,
        minFps: c.minFps,
        minBitrateKbps: c.minBitrateKbps,
        maxRecordingGapSeconds: c.maxRecordingGapSeconds,
        evidenceTtlMs: Math.max(3 * c.cycleMs, 15_000),
      },
      incidents: {
        openAfterOfflineMs: c.openAfterOfflineMs,
        openAfterDegradedMs: c.openAfterDegradedMs,
        repairDeadlineMs: c.repairDeadlineMs,
      },
      cycleMs: c.cycleMs,
      timeoutMs: c.timeoutMs,
      confirmDelayMs: c.confirmMs,
      slotMs: c.slotMs,
      maxInFlight: c.maxInFlight,
      jitter: 0.02,
      probe: probeTarget,
      store: healthStore,
      now,
      onError: (err, what) => logger.warn({ err }, `health: ${what} failed`),
    });
    const hub = new WatchHub(instanceId, now);
    monitor.listen(hub);
    monitor.listen(new EventPublisher(bus, hub, logger));
    monitor.listen(installHealthMetrics(monitor));
    await monitor.start();
    logger.info(
      { event: "monitor_started", targets: monitor.size, openIncidents: monitor.book.openCount },
      "health monitor started",
    );
    const stats = consumeGatewayStats(bus, monitor, now);
    const registry = new RegistryAdapter(bus, store.redis, monitor, logger);
    if (c.registry) registry.start();
    const urls = c.webhookUrls
      .split(",")
      .map((u) => u.trim())
      .filter((u) => u !== "");
    const webhooks =
      urls.length > 0
        ? await startWebhooks(
            bus,
            store.redis,
            {
              urls,
              maxAttempts: c.webhookMaxAttempts,
              backoffMs: c.webhookBackoffMs,
              timeoutMs: 5000,
            },
            logger,
          )
        : undefined;

    addHealthApi(rpc, {
      monitor,
      store: healthStore,
      directory,
      watch: hub,
      defaultCycleMs: c.cycleMs,
      now,
    });
    return async () => {
      await Promise.all([
        started.stop(),
        stopping.stop(),
        stats.stop(),
        registry.stop(),
        webhooks?.stop(),
      ]);
      await monitor.stop();
    };
  },
});
