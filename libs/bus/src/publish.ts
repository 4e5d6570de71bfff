import { randomUUID } from "node:crypto";
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { backoffDelay, sleep } from "./backoff.ts";
import type { EventType } from "./event.ts";
import { toNatsHeaders } from "./headers.ts";
import type { BusLogger } from "./logger.ts";
import { isTransient, toVisError } from "./nats-errors.ts";
import { messagingAttributes, SpanKind, withOutgoingSpan } from "./tracing.ts";

export interface PublishOptions {
  /**
   * `Nats-Msg-Id`: JetStream stores one message per id inside the stream's duplicate window. Default:
   * the payload's `meta.id` when it has one, else a fresh UUID.
   */
  readonly msgId?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait for each acknowledgement (default: the bus's request timeout). */
  readonly timeoutMs?: number;
}

export interface PublishAck {
  readonly stream: string;
  readonly seq: number;
  /** True when the stream already held this msgId (nothing new was stored). */
  readonly duplicate: boolean;
  readonly msgId: string;
}

export interface PublishContext {
  readonly js: JetStreamClient;
  readonly logger: BusLogger;
  readonly requestTimeoutMs: number;
  /** Duplicate windows of streams this bus ensured; retries stay well inside them. */
  readonly duplicateWindows: ReadonlyMap<string, number>;
}

const MAX_ATTEMPTS = 5;
const DEFAULT_WINDOW_MS = 120_000;

/**
 * Publishes an event to JetStream and waits for the stream's acknowledgement. A timeout or a lost
 * connection is retried with the same msgId (so a publish that was stored but not acknowledged is
 * not stored twice), at most 5 attempts and within half the duplicate window (≤ 30 s).
 */
export function publishEvent<Desc extends DescMessage>(
  ctx: PublishContext,
  event: EventType<Desc>,
  value: MessageInitShape<Desc>,
  options: PublishOptions = {},
): Promise<PublishAck> {
  const message = create(event.schema, value);
  const data = toBinary(event.schema, message);
  const msgId = options.msgId ?? metaId(message) ?? randomUUID();
  const headers = toNatsHeaders(options.headers);
  const attributes = messagingAttributes(event.subject, "publish", {
    "messaging.message.id": msgId,
    "messaging.message.body.size": data.byteLength,
    "messaging.destination.stream": event.stream,
  });
  return withOutgoingSpan(
    `publish ${event.subject}`,
    SpanKind.PRODUCER,
    attributes,
    headers,
    async (span) => {
      const window = ctx.duplicateWindows.get(event.stream) ?? DEFAULT_WINDOW_MS;
      const deadline = Date.now() + Math.min(window / 2, 30_000);
      const timeout = options.timeoutMs ?? ctx.requestTimeoutMs;
      for (let attempt = 0; ; attempt++) {
        try {
          const ack = await ctx.js.publish(event.subject, data, {
            msgID: msgId,
            headers,
            timeout,
            expect: { streamName: event.stream },
          });
          span.setAttributes({
            "messaging.nats.sequence": ack.seq,
            "messaging.nats.duplicate": ack.duplicate,
          });
          return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, msgId };
        } catch (err) {
          const delay = backoffDelay(attempt, 200, 3000);
          const retry =
            isTransient(err) && attempt + 1 < MAX_ATTEMPTS && Date.now() + delay < deadline;
          if (!retry) throw toVisError(err, `publish ${event.subject} (msgId ${msgId})`);
          ctx.logger.warn(
            { event: "publish_retry", subject: event.subject, msgId, attempt: attempt + 1, err },
            "publish not acknowledged; retrying with the same msgId",
          );
          span.addEvent("retry", { attempt: attempt + 1 });
          await sleep(delay);
        }
      }
    },
  );
}

/** `meta.id` of an event payload (every VISLink event opens with `EventMeta meta = 1`). */
function metaId(message: unknown): string | undefined {
  const meta = (message as { meta?: unknown }).meta;
  if (meta === null || typeof meta !== "object") return undefined;
  const id = (meta as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : undefined;
}
