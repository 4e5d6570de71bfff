export { FileSpanExporter, type SpanRecord, toSpanRecord } from "./file-span-exporter.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export { installMetrics, type MetricsEndpoint, type MetricsOptions } from "./metrics.ts";
export {
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from "./telemetry.ts";
export { installTracing, type TraceExporterKind, type TracingOptions } from "./tracing.ts";
