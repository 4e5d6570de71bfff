import type { MsgHdrs } from "@nats-io/transport-node";
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { headerGetter, headerSetter } from "./headers.ts";

const TRACER = "@vis/bus";

/** Semantic-convention attributes shared by every messaging span. */
export function messagingAttributes(
  subject: string,
  operation: "publish" | "process" | "receive",
  extra: Attributes = {},
): Attributes {
  return {
    "messaging.system": "nats",
    "messaging.destination.name": subject,
    "messaging.operation.name": operation,
    "messaging.operation.type": operation === "publish" ? "send" : operation,
    ...extra,
  };
}

/**
 * Runs `fn` inside a span whose context is injected into `headers`, so whoever receives the message
 * continues the same trace with this span as parent.
 */
export function withOutgoingSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  headers: MsgHdrs,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { kind, attributes }, async (span) => {
    propagation.inject(context.active(), headers, headerSetter);
    return runEnding(span, () => fn(span));
  });
}

/** Runs `fn` in a span whose parent is the trace context carried by the incoming headers. */
export function withIncomingSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  headers: MsgHdrs | undefined,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent: Context = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  return trace
    .getTracer(TRACER)
    .startActiveSpan(name, { kind, attributes }, parent, (span) => runEnding(span, () => fn(span)));
}

async function runEnding<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function markFailed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}

export { SpanKind };
