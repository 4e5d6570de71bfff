import { resourceFromAttributes } from "@opentelemetry/resources";
import { installMetrics, type MetricsOptions } from "./metrics.ts";
import { installTracing, type TracingOptions } from "./tracing.ts";

export interface TelemetryOptions {
  readonly service: string;
  readonly instanceId: string;
  readonly version: string;
  readonly tracing: TracingOptions;
  readonly metrics: MetricsOptions;
}

export interface Telemetry {
  readonly metricsUrl: string;
  shutdown(): Promise<void>;
}

/** Tracing and metrics for one process, described by one resource (service, instance, version). */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const resource = resourceFromAttributes({
    "service.name": options.service,
    "service.namespace": "vislink",
    "service.instance.id": options.instanceId,
    "service.version": options.version,
  });
  const stopTracing = installTracing(resource, options.tracing);
  const endpoint = await installMetrics(resource, options.metrics);
  return {
    metricsUrl: endpoint.url,
    async shutdown() {
      await endpoint.close();
      await stopTracing();
    },
  };
}
