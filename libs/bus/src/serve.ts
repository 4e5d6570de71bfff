import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Empty, type Msg } from "@nats-io/transport-node";
import { natsErrorHeaders, VisError } from "@vis/errors";
import { sleep } from "./backoff.ts";
import type { CoreMessageInfo, CoreSubscription } from "./core.ts";
import { fromNatsHeaders, toNatsHeaders } from "./headers.ts";
import type { RpcContext } from "./request.ts";
import { checkSubject } from "./subject.ts";
import { markFailed, messagingAttributes, SpanKind, withIncomingSpan } from "./tracing.ts";

export interface ServeOptions {
  /** Queue group: instances sharing it split the requests. */
  readonly queue?: string;
  /** Requests handled at once; beyond it callers get `resource_exhausted` (default 64). */
  readonly maxConcurrent?: number;
}

/**
 * Answers requests on `subject`. A thrown VisError goes back as NATS service-error headers; any other
 * failure is logged and answered as a bland `internal` error.
 */
export function serveRequests<I extends DescMessage, O extends DescMessage>(
  ctx: RpcContext,
  subject: string,
  schemaIn: I,
  schemaOut: O,
  handler: (req: MessageShape<I>, info: CoreMessageInfo) => Promise<MessageInitShape<O>>,
  options: ServeOptions = {},
): CoreSubscription {
  checkSubject(subject);
  const max = options.maxConcurrent ?? 64;
  const inflight = new Set<Promise<void>>();
  const answer = (m: Msg): Promise<void> =>
    withIncomingSpan(
      `serve ${subject}`,
      SpanKind.SERVER,
      messagingAttributes(m.subject, "process"),
      m.headers,
      async (span) => {
        try {
          let req: MessageShape<I>;
          try {
            req = fromBinary(schemaIn, m.data);
          } catch (err) {
            throw new VisError(
              "invalid_argument",
              `request on ${subject} is not a valid ${schemaIn.typeName}`,
              { cause: err },
            );
          }
          const out = await handler(req, {
            subject: m.subject,
            headers: fromNatsHeaders(m.headers),
          });
          m.respond(toBinary(schemaOut, create(schemaOut, out)));
        } catch (err) {
          const vis = VisError.from(err);
          markFailed(span, err);
          if (!(err instanceof VisError))
            ctx.logger.error({ err, subject }, "request handler failed");
          m.respond(Empty, { headers: toNatsHeaders(natsErrorHeaders(vis)) });
        }
      },
    );
  const sub = ctx.nc.subscribe(subject, {
    ...(options.queue ? { queue: options.queue } : {}),
    callback: (err, m) => {
      if (err) {
        ctx.logger.error({ err, subject }, "request subscription failed");
        return;
      }
      if (inflight.size >= max) {
        m.respond(Empty, {
          headers: toNatsHeaders(
            natsErrorHeaders(new VisError("resource_exhausted", `${subject} is busy`)),
          ),
        });
        return;
      }
      const p = answer(m).finally(() => inflight.delete(p));
      inflight.add(p);
    },
  });
  return {
    subject,
    stop: async () => {
      if (!sub.isClosed()) await sub.drain().catch(() => undefined);
      await Promise.race([Promise.allSettled([...inflight]), sleep(10_000)]);
    },
  };
}
