import type { Readable } from "node:stream";
import { create, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  UntypedHandleCall,
} from "@grpc/grpc-js";
import { context, type Histogram } from "@opentelemetry/api";
import { VisError } from "@vis/errors";
import { methodPath } from "./adapter.ts";
import { createCallContext, type ServerSurfaceCall } from "./call-context.ts";
import { type GrpcStatusError, isServerFault, toGrpcStatus } from "./grpc-error.ts";
import type { RpcLogger } from "./logger.ts";
import type { CallContext, Send } from "./service-impl.ts";
import { type StreamSink, sender } from "./stream-sink.ts";
import { observeServerCall } from "./telemetry.ts";
import type { RequestValidator } from "./validation.ts";

/** What every handler shares: validation, logging, the duration histogram. */
export interface HandlerEnv {
  readonly validate: RequestValidator;
  readonly logger: RpcLogger;
  readonly histogram: Histogram;
}

// The typed impl is checked by RpcServer.add; here the method kind decides the call shape.
type AnyImpl = (...args: never[]) => unknown;
type Msg = Message;

/** Turns one typed handler into the grpc-js handler for its method kind. */
export function grpcHandler(method: DescMethod, impl: AnyImpl, env: HandlerEnv): UntypedHandleCall {
  const fn = impl as unknown as (a: unknown, ctx: CallContext, send: Send<DescMessage>) => unknown;
  switch (method.methodKind) {
    case "unary":
      return ((call, callback) => {
        run(env, method, call, async (ctx) => {
          env.validate(method.input, call.request);
          return create(method.output, (await fn(call.request, ctx, noSend)) as Msg);
        }).then(
          (res) => callback(null, res),
          (status) => callback(status),
        );
      }) satisfies handleUnaryCall<Msg, Msg>;
    case "server_streaming":
      return ((call) => {
        run(env, method, call, async (ctx) => {
          env.validate(method.input, call.request);
          const send = sender(method.output, call, ctx.signal);
          await drive(fn(call.request, ctx, send), send);
        }).then(
          () => call.end(),
          (status) => call.emit("error", status),
        );
      }) satisfies handleServerStreamingCall<Msg, Msg>;
    case "client_streaming":
      return ((call, callback) => {
        run(env, method, call, async (ctx) => {
          const requests = validated(call, method.input, env.validate);
          return create(method.output, (await fn(requests, ctx, noSend)) as Msg);
        }).then(
          (res) => callback(null, res),
          (status) => callback(status),
        );
      }) satisfies handleClientStreamingCall<Msg, Msg>;
    case "bidi_streaming":
      return ((call) => {
        run(env, method, call, async (ctx) => {
          const send = sender(method.output, call as StreamSink, ctx.signal);
          await drive(fn(validated(call, method.input, env.validate), ctx, send), send);
        }).then(
          () => call.end(),
          (status) => call.emit("error", status),
        );
      }) satisfies handleBidiStreamingCall<Msg, Msg>;
  }
}

const noSend: Send<DescMessage> = () => Promise.reject(new Error("send() on a unary call"));

/**
 * Runs a handler body inside a SERVER span (child of the caller's), records the duration, and
 * turns a failure into the gRPC status the call ends with (logging what the caller must not see).
 */
async function run<T>(
  env: HandlerEnv,
  method: DescMethod,
  call: ServerSurfaceCall,
  body: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  const path = methodPath(method);
  const observed = observeServerCall(method, call.metadata, env.histogram);
  const { ctx, dispose } = createCallContext(path, call);
  try {
    const result = await context.with(observed.context, () => body(ctx));
    observed.end(0);
    return result;
  } catch (thrown) {
    const err =
      ctx.signal.aborted && !(thrown instanceof VisError) ? ctx.signal.reason : (thrown as unknown);
    const { status, error } = toGrpcStatus(err);
    const fields = { method: path, peer: ctx.peer, code: error.code };
    if (!(err instanceof VisError)) env.logger.error({ ...fields, err }, "rpc handler failed");
    else if (isServerFault(error.code)) {
      env.logger.error({ ...fields, err: error.cause ?? error }, "rpc handler failed");
    } else env.logger.debug({ ...fields, message: error.message }, "rpc call refused");
    observed.end(status.code, error.message, isServerFault(error.code) ? err : undefined);
    throw status satisfies GrpcStatusError;
  } finally {
    dispose();
  }
}

/**
 * Validates each streamed request before the handler sees it. Reads with `destroyOnReturn: false`:
 * the default Readable iterator destroys the stream when input ends, which on a bidi call also
 * kills the response side, and the client never gets its status.
 */
async function* validated(
  stream: Readable,
  schema: DescMessage,
  validate: RequestValidator,
): AsyncGenerator<Msg> {
  for await (const message of stream.iterator({ destroyOnReturn: false })) {
    validate(schema, message as Msg);
    yield message as Msg;
  }
}

/** A streaming handler either returns an async iterable of responses or sends them itself. */
async function drive(result: unknown, send: Send<DescMessage>): Promise<void> {
  if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
    for await (const message of result as AsyncIterable<Msg>) await send(message);
    return;
  }
  await result;
}
