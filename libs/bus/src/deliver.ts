import type { JsMsg } from "@nats-io/jetstream";
import type { ConsumeOptions, MessageInfo } from "./consume-options.ts";
import { fromNatsHeaders } from "./headers.ts";
import type { BusLogger } from "./logger.ts";
import { markFailed, messagingAttributes, SpanKind, withIncomingSpan } from "./tracing.ts";

/** What delivering one message needs from its consumer. */
export interface Delivery<T> {
  readonly stream: string;
  readonly durable: string;
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
  readonly decode: (data: Uint8Array) => T;
  readonly options: ConsumeOptions<T>;
  readonly logger: BusLogger;
}

/**
 * Hands one JetStream message to the handler and settles it: ack on success; nak with a growing
 * delay on failure; term (and an error log) on the last allowed delivery or when the payload does
 * not decode. Runs in a CONSUMER span whose parent is the producer's span from the headers.
 */
export async function deliver<T>(m: JsMsg, d: Delivery<T>): Promise<void> {
  const info: MessageInfo = {
    subject: m.subject,
    stream: d.stream,
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    redelivered: m.redelivered,
    msgId: m.headers?.get("Nats-Msg-Id") || undefined,
    time: m.time,
    headers: fromNatsHeaders(m.headers),
  };
  const log = {
    stream: d.stream,
    durable: d.durable,
    subject: m.subject,
    seq: m.seq,
    deliveryCount: info.deliveryCount,
  };
  let payload: T;
  try {
    payload = d.decode(m.data);
  } catch (err) {
    m.term();
    d.logger.error({ ...log, err, event: "poison_message" }, "undecodable message terminated");
    return;
  }
  const attributes = messagingAttributes(m.subject, "process", {
    "messaging.consumer.group.name": d.durable,
    "messaging.message.id": info.msgId ?? "",
    "messaging.message.body.size": m.data.byteLength,
    "messaging.nats.sequence": m.seq,
    "messaging.nats.delivery_count": info.deliveryCount,
  });
  await withIncomingSpan(
    `process ${m.subject}`,
    SpanKind.CONSUMER,
    attributes,
    m.headers,
    async (span) => {
      const keepAlive = setInterval(() => m.working(), Math.max(500, d.ackWaitMs / 2));
      try {
        await d.options.handler(payload, info);
        m.ack();
      } catch (err) {
        markFailed(span, err);
        if (info.deliveryCount >= d.maxDeliver) {
          m.term();
          d.logger.error(
            { ...log, err, event: "message_terminated" },
            `handler failed ${info.deliveryCount} times; message terminated`,
          );
        } else {
          const base = d.options.nakDelayMs ?? 1000;
          m.nak(Math.min(base * 2 ** (info.deliveryCount - 1), 60_000));
          d.logger.warn(
            { ...log, err, event: "message_nak" },
            "handler failed; message will be redelivered",
          );
        }
      } finally {
        clearInterval(keepAlive);
      }
    },
  );
}
