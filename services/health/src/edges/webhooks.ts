import { createHash } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import type { Bus, ConsumerHandle } from "@vis/bus";
import { VisError } from "@vis/errors";
import { IncidentEventSchema } from "@vis/proto/vis/health/v1/events_pb";
import { IncidentSchema } from "@vis/proto/vis/health/v1/status_pb";
import type { Logger } from "@vis/telemetry";
import type { Redis } from "ioredis";
import { HEALTH_STREAM } from "./events.ts";

export interface WebhookOptions {
  readonly urls: readonly string[];
  /** Deliveries of one event before it is given up (logged). */
  readonly maxAttempts: number;
  /** First retry delay; doubles per attempt (at most 60 s). */
  readonly backoffMs: number;
  readonly timeoutMs: number;
}

/**
 * Incident alerts to webhooks. A durable JetStream consumer reads `vis.health.incident.*`; each
 * event is POSTed as JSON to every URL, with `Idempotency-Key` = the event id. A failed URL makes
 * the handler fail, so JetStream redelivers with a growing delay (retries survive a restart);
 * URLs that already took the event are remembered in Redis and not called again.
 */
export async function startWebhooks(
  bus: Bus,
  redis: Redis,
  o: WebhookOptions,
  logger: Logger,
): Promise<ConsumerHandle> {
  return bus.consume(
    {
      stream: HEALTH_STREAM.name,
      filterSubject: "vis.health.incident.*",
      schema: IncidentEventSchema,
    },
    {
      durable: "health-webhooks",
      deliverPolicy: "new",
      maxDeliver: o.maxAttempts,
      nakDelayMs: o.backoffMs,
      handler: async (e, info) => {
        const eventId = e.meta?.id ?? String(info.seq);
        const body = JSON.stringify({
          event: info.subject.replace(/^vis\.health\./, ""),
          id: eventId,
          incident: toJson(
            IncidentSchema,
            e.incident ?? ({ $typeName: "vis.health.v1.Incident" } as never),
          ),
        });
        const failures: string[] = [];
        for (const url of o.urls) {
          const key = `vis:health:webhook:${createHash("sha256").update(url).digest("hex").slice(0, 16)}:${eventId}`;
          if ((await redis.exists(key)) === 1) continue;
          try {
            const res = await fetch(url, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "idempotency-key": eventId,
                "x-vis-event": info.subject,
                "x-vis-attempt": String(info.deliveryCount),
              },
              body,
              signal: AbortSignal.timeout(o.timeoutMs),
            });
            await res.arrayBuffer().catch(() => undefined);
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            await redis.set(key, "1", "EX", 7 * 86400);
          } catch (err) {
            failures.push(
              `${new URL(url).host}: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
        if (failures.length > 0) {
          const last = info.deliveryCount >= o.maxAttempts;
          logger[last ? "error" : "warn"](
            {
              event: last ? "webhook_given_up" : "webhook_retry",
              id: eventId,
              attempt: info.deliveryCount,
              failures,
            },
            last ? "webhook delivery given up" : "webhook delivery failed; will retry",
          );
          throw new VisError("unavailable", `webhook delivery failed: ${failures.join("; ")}`);
        }
      },
    },
  );
}
