import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { Resource } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { FileSpanExporter } from "./file-span-exporter.ts";

export type TraceExporterKind = "none" | "file" | "otlp";

export interface TracingOptions {
  readonly exporter: TraceExporterKind;
  /** JSON-lines file for `file`. */
  readonly file?: string;
  /** OTLP/HTTP traces endpoint for `otlp`, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly otlpUrl?: string;
}

/**
 * Installs the global context manager, W3C propagators and tracer provider. Context propagation is
 * on even when no exporter is set, so trace ids still cross gRPC and NATS and appear in logs.
 */
export function installTracing(resource: Resource, options: TracingOptions): () => Promise<void> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  const spanProcessors: SpanProcessor[] = [];
  if (options.exporter === "file" && options.file) {
    spanProcessors.push(new SimpleSpanProcessor(new FileSpanExporter(options.file)));
  } else if (options.exporter === "otlp" && options.otlpUrl) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpUrl })));
  }
  const provider = new BasicTracerProvider({ resource, spanProcessors });
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}
