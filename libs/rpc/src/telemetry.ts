import type { DescMethod } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  metrics,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import { methodPath } from "./adapter.ts";

const INSTRUMENTATION = "vis-rpc";

/** Writes propagation headers (traceparent, tracestate, baggage) into gRPC metadata. */
export const metadataSetter: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/** Reads propagation headers from gRPC metadata (string values only; `-bin` keys are skipped). */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get(carrier, key) {
    const values = carrier.get(key).filter((v): v is string => typeof v === "string");
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

function attributesOf(method: DescMethod): Attributes {
  return {
    "rpc.system": "grpc",
    "rpc.service": method.parent.typeName,
    "rpc.method": method.name,
  };
}

/** One call in flight: its span, the context to run it in, and how to finish it. */
export interface ObservedCall {
  readonly span: Span;
  readonly context: Context;
  /** Ends the span and records the duration; `grpcCode` 0 is OK, anything else an error. */
  end(grpcCode: number, errorMessage?: string, exception?: unknown): void;
}

/** Duration histograms; created when a server or client is created, after the SDK is installed. */
export function durationHistogram(side: "server" | "client"): Histogram {
  return metrics.getMeter(INSTRUMENTATION).createHistogram(`rpc.${side}.duration`, {
    unit: "ms",
    description: `Duration of gRPC calls, as seen by the ${side}`,
  });
}

function observe(span: Span, ctx: Context, method: DescMethod, histogram: Histogram): ObservedCall {
  const started = performance.now();
  let ended = false;
  return {
    span,
    context: ctx,
    end(grpcCode, errorMessage, exception) {
      if (ended) return;
      ended = true;
      span.setAttribute("rpc.grpc.status_code", grpcCode);
      if (grpcCode !== 0) {
        if (exception !== undefined) span.recordException(exception as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage ?? "" });
      }
      span.end();
      histogram.record(performance.now() - started, {
        ...attributesOf(method),
        "rpc.grpc.status_code": grpcCode,
      });
    },
  };
}

/**
 * Starts the SERVER span of an incoming call as a child of the caller's span, whose context is
 * extracted from the request metadata with the global propagator.
 */
export function observeServerCall(
  method: DescMethod,
  metadata: Metadata,
  histogram: Histogram,
): ObservedCall {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const span = trace
    .getTracer(INSTRUMENTATION)
    .startSpan(
      methodPath(method),
      { kind: SpanKind.SERVER, attributes: attributesOf(method) },
      parent,
    );
  return observe(span, trace.setSpan(parent, span), method, histogram);
}

/**
 * Starts the CLIENT span of an outgoing call under the active context and injects it into the
 * request metadata, so the server's span becomes its child.
 */
export function observeClientCall(
  method: DescMethod,
  metadata: Metadata,
  histogram: Histogram,
): ObservedCall {
  const parent = context.active();
  const span = trace
    .getTracer(INSTRUMENTATION)
    .startSpan(
      methodPath(method),
      { kind: SpanKind.CLIENT, attributes: attributesOf(method) },
      parent,
    );
  const ctx = trace.setSpan(parent, span);
  propagation.inject(ctx, metadata, metadataSetter);
  return observe(span, ctx, method, histogram);
}
