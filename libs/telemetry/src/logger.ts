import { trace } from "@opentelemetry/api";
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly service: string;
  readonly instanceId: string;
  readonly level?: string;
  /** Where lines go; stdout (synchronously, so nothing is lost on exit) by default. */
  readonly destination?: DestinationStream;
}

/**
 * JSON lines on stdout; every line written inside an active span carries `trace_id` and `span_id`,
 * so a log line can be found from a trace and the other way round.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service, instance: options.instanceId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const ctx = span.spanContext();
        return { trace_id: ctx.traceId, span_id: ctx.spanId };
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
