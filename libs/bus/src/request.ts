import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { errors, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { errorFromNatsHeaders, VisError } from "@vis/errors";
import { toNatsHeaders } from "./headers.ts";
import type { BusLogger } from "./logger.ts";
import { toVisError } from "./nats-errors.ts";
import { checkPublishSubject } from "./subject.ts";
import { messagingAttributes, SpanKind, withOutgoingSpan } from "./tracing.ts";

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
