import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { fromNatsHeaders, headerGetter, headerSetter, toNatsHeaders } from "./headers.ts";

describe("NATS header carrier", () => {
  it("sets, lists and gets headers, single-line", () => {
    const h = toNatsHeaders({ a: "1", b: "two\r\nlines" });
    headerSetter.set(h, "traceparent", "00-abc-def-01");
    expect(headerGetter.keys(h).sort()).toEqual(["a", "b", "traceparent"]);
    expect(headerGetter.get(h, "traceparent")).toBe("00-abc-def-01");
    expect(headerGetter.get(h, "missing")).toBeUndefined();
    expect(headerGetter.get(undefined, "a")).toBeUndefined();
    expect(fromNatsHeaders(h)).toEqual({ a: "1", b: "two lines", traceparent: "00-abc-def-01" });
  });

  it("round-trips a W3C trace context through the carrier", () => {
    const propagator = new W3CTraceContextPropagator();
    const spanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    };
    const h = toNatsHeaders();
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), h, headerSetter);
    expect(h.get("traceparent")).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const back = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, h, headerGetter));
    expect(back).toMatchObject({ ...spanContext, isRemote: true });
    // the global API without a registered propagator is a no-op, never a throw
    expect(() => propagation.inject(context.active(), h, headerSetter)).not.toThrow();
  });
});
