import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { context, propagation } from "@opentelemetry/api";
import { sleep } from "./backoff.ts";
import { fromNatsHeaders, headerSetter, toNatsHeaders } from "./headers.ts";
import type { BusLogger } from "./logger.ts";
import { toVisError } from "./nats-errors.ts";
import { checkPublishSubject, checkSubject } from "./subject.ts";
import { markFailed, messagingAttributes, SpanKind, withIncomingSpan } from "./tracing.ts";

/** What a core-NATS handler learns besides the payload. */
export interface CoreMessageInfo {
  readonly subject: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface CoreSubscription {
  readonly subject: string;
  /** Drains the subscription: no new messages; waits (≤ 10 s) for the ones being handled. */
  stop(): Promise<void>;
}

export interface CoreContext {
  readonly nc: NatsConnection;
  readonly logger: BusLogger;
}

/** Fire-and-forget publish on core NATS (may be lost); carries the active trace context. */
export function publishCoreBytes(
  ctx: CoreContext,
  subject: string,
  data: Uint8Array,
  headers?: Readonly<Record<string, string>>,
): void {
  checkPublishSubject(subject);
  const h = toNatsHeaders(headers);
  propagation.inject(context.active(), h, headerSetter);
  try {
    ctx.nc.publish(subject, data, { headers: h });
  } catch (err) {
    throw toVisError(err, `publish ${subject}`);
  }
}

/**
 * Subscribes on core NATS; messages are handled one at a time, each in a consumer span continuing
 * the publisher's trace. Undecodable payloads and handler failures are logged and dropped.
 */
export function subscribeCoreDecoded<T>(
  ctx: CoreContext,
  subject: string,
  decode: (data: Uint8Array) => T,
  handler: (msg: T, info: CoreMessageInfo) => void | Promise<void>,
  options: { readonly queue?: string } = {},
): CoreSubscription {
  checkSubject(subject);
  const sub: Subscription = ctx.nc.subscribe(
    subject,
    options.queue ? { queue: options.queue } : {},
  );
  const loop = (async () => {
    for await (const m of sub) {
      const info: CoreMessageInfo = { subject: m.subject, headers: fromNatsHeaders(m.headers) };
      let payload: T;
      try {
        payload = decode(m.data);
      } catch (err) {
        ctx.logger.warn(
          { err, subject: m.subject, event: "undecodable_core_message" },
          "undecodable message dropped",
        );
        continue;
      }
      const attributes = messagingAttributes(m.subject, "process", {
        "messaging.consumer.group.name": options.queue ?? "",
      });
      await withIncomingSpan(
        `process ${m.subject}`,
        SpanKind.CONSUMER,
        attributes,
        m.headers,
        async (span) => {
          try {
            await handler(payload, info);
          } catch (err) {
            markFailed(span, err);
            ctx.logger.warn(
              { err, subject: m.subject, event: "core_handler_failed" },
              "core message handler failed",
            );
          }
        },
      );
    }
  })();
  return {
    subject,
    stop: async () => {
      if (!sub.isClosed()) await sub.drain().catch(() => undefined);
      await Promise.race([loop, sleep(10_000)]);
    },
  };
}
