import { appendFileSync } from "node:fs";
import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** One exported span as a JSON line: enough to rebuild a trace across processes. */
export interface SpanRecord {
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly startUs: number;
  readonly endUs: number;
  readonly status: number;
  readonly attributes: Record<string, unknown>;
}

export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  return {
    service: String(span.resource.attributes["service.name"] ?? ""),
    name: span.name,
    kind: span.kind,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    startUs: hrTimeToMicroseconds(span.startTime),
    endUs: hrTimeToMicroseconds(span.endTime),
    status: span.status.code,
    attributes: { ...span.attributes },
  };
}

/**
 * Appends finished spans as JSON lines to a file. Meant for development and for tests that check a
 * trace crossed process boundaries; production sends OTLP to a collector instead.
 */
export class FileSpanExporter implements SpanExporter {
  constructor(private readonly path: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const text = spans.map((s) => JSON.stringify(toSpanRecord(s))).join("\n");
      if (text !== "") appendFileSync(this.path, `${text}\n`);
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
}
