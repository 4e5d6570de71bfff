import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { metrics, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { SpanRecord } from "./file-span-exporter.ts";
import { createLogger } from "./logger.ts";
import { startTelemetry, type Telemetry } from "./telemetry.ts";

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

const start = async (file: string) => {
  telemetry = await startTelemetry({
    service: "unit",
    instanceId: "i-1",
    version: "0.0.0",
    tracing: { exporter: "file", file },
    metrics: { host: "127.0.0.1", port: 0 },
  });
  return telemetry;
};

describe("telemetry", () => {
  it("writes finished spans with parent ids to the trace file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vis-tel-")), "spans.jsonl");
    await start(file);
    const tracer = trace.getTracer("t");
    tracer.startActiveSpan("outer", (outer) => {
      tracer.startSpan("inner").end();
      outer.end();
    });
    const spans = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as SpanRecord);
    const outer = spans.find((s) => s.name === "outer");
    const inner = spans.find((s) => s.name === "inner");
    expect(outer?.service).toBe("unit");
    expect(inner?.traceId).toBe(outer?.traceId);
    expect(inner?.parentSpanId).toBe(outer?.spanId);
  });

  it("serves Prometheus metrics on a free port", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vis-tel-")), "spans.jsonl");
    const t = await start(file);
    expect(t.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(t.metricsUrl).not.toContain(":9464/");
    metrics.getMeter("m").createCounter("vis_unit_things").add(3);
    const text = await (await fetch(t.metricsUrl)).text();
    expect(text).toMatch(/vis_unit_things(_total)?\{[^}]*\} 3/);
    const missing = await fetch(t.metricsUrl.replace("/metrics", "/nope"));
    expect(missing.status).toBe(404);
  });

  it("stamps log lines inside a span with its trace and span ids", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vis-tel-")), "spans.jsonl");
    await start(file);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ service: "unit", instanceId: "i-1", destination: sink });
    log.info("outside");
    let ids = { traceId: "", spanId: "" };
    trace.getTracer("t").startActiveSpan("s", (span) => {
      ids = span.spanContext();
      log.info("inside");
      span.end();
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l));
    expect(outside.trace_id).toBeUndefined();
    expect(inside.trace_id).toBe(ids.traceId);
    expect(inside.span_id).toBe(ids.spanId);
    expect(inside.service).toBe("unit");
    expect(inside.level).toBe("info");
  });
});
