import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Empty, errors, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { errorFromNatsHeaders, natsErrorHeaders, VisError } from "@vis/errors";
import { sleep } from "./backoff.ts";
import type { CoreMessageInfo, CoreSubscription } from "./core.ts";
import { fromNatsHeaders, toNatsHeaders } from "./headers.ts";
import type { BusLogger } from "./logger.ts";
import { toVisError } from "./nats-errors.ts";
import { checkPublishSubject, checkSubject } from "./subject.ts";
import {
  markFailed,
  messagingAttributes,
  SpanKind,
  withIncomingSpan,
  withOutgoingSpan,
} from "./tracing.ts";

export interface ServeOptions {
  /** Queue group: instances sharing it split the requests. */
  readonly queue?: string;
  /** Requests handled at once; beyond it callers get `resource_exhausted` (default 64). */
  readonly maxConcurrent?: number;
}

export interface RequestOptions {
  /** Default: the bus's request timeout. Every request has one. */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RpcContext {
  readonly nc: NatsConnection;
  readonly logger: BusLogger;
  readonly requestTimeoutMs: number;
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

/** Sends a request and waits for its reply; a service error in the reply is rethrown as VisError. */
export function sendRequest<I extends DescMessage, O extends DescMessage>(
  ctx: RpcContext,
  subject: string,
  schemaIn: I,
  schemaOut: O,
  value: MessageInitShape<I>,
  options: RequestOptions = {},
): Promise<MessageShape<O>> {
  checkPublishSubject(subject);
  const timeout = options.timeoutMs ?? ctx.requestTimeoutMs;
  const headers = toNatsHeaders(options.headers);
  const data = toBinary(schemaIn, create(schemaIn, value));
  return withOutgoingSpan(
    `request ${subject}`,
    SpanKind.CLIENT,
    messagingAttributes(subject, "publish"),
    headers,
    async () => {
      let reply: Msg;
      try {
        reply = await ctx.nc.request(subject, data, { timeout, headers });
      } catch (err) {
        if (
          inChain(err, errors.NoRespondersError) ||
          (err instanceof errors.RequestError && err.isNoResponders())
        ) {
          throw new VisError("unavailable", `no service answers ${subject}`, { cause: err });
        }
        if (inChain(err, errors.TimeoutError)) {
          throw new VisError(
            "deadline_exceeded",
            `${subject} did not answer within ${timeout} ms`,
            { cause: err },
          );
        }
        throw toVisError(err, `request ${subject}`);
      }
      const h = reply.headers;
      const remote = errorFromNatsHeaders((k) => (h?.has(k) ? h.get(k) : undefined));
      if (remote) throw remote;
      try {
        return fromBinary(schemaOut, reply.data);
      } catch (err) {
        throw new VisError("internal", `reply on ${subject} is not a valid ${schemaOut.typeName}`, {
          cause: err,
        });
      }
    },
  );
}

function inChain(err: unknown, type: abstract new (...args: never[]) => Error): boolean {
  const chain: unknown[] = [err];
  for (let depth = 0; depth < 5; depth++) {
    const last = chain[chain.length - 1];
    if (!(last instanceof Error) || last.cause === undefined) break;
    chain.push(last.cause);
  }
  return chain.some((e) => e instanceof type);
}
