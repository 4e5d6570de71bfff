import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { type ClientWritableStream, status } from "@grpc/grpc-js";
import { deserializer, serializer } from "./adapter.ts";
import { beginCall, type CallEnv, type CallOptions, type ClientCall } from "./call-setup.ts";
import type { GrpcFailure } from "./grpc-error.ts";

type Msg = Message;

export function unaryCall(
  env: CallEnv,
  method: DescMethod,
  request: unknown,
  options: CallOptions = {},
): Promise<Msg> {
  const c = beginCall(env, method, options);
  return new Promise((resolve, reject) => {
    let unhook = () => {};
    const call = env.grpc.makeUnaryRequest(
      c.path,
      serializer(method.input),
      deserializer(method.output),
      create(method.input, request as Msg),
      c.metadata,
      c.callOptions,
      (err, res) => {
        unhook();
        if (err || res === undefined) return reject(c.fail(err ?? {}));
        c.succeed();
        resolve(res);
      },
    );
    unhook = c.onAbort(call);
  });
}

export async function* serverStreamCall(
  env: CallEnv,
  method: DescMethod,
  request: unknown,
  options: CallOptions = {},
): AsyncGenerator<Msg> {
  const c = beginCall(env, method, options);
  const call = env.grpc.makeServerStreamRequest(
    c.path,
    serializer(method.input),
    deserializer(method.output),
    create(method.input, request as Msg),
    c.metadata,
    c.callOptions,
  );
  yield* readAll(call, c, c.onAbort(call));
}

export function clientStreamCall(
  env: CallEnv,
  method: DescMethod,
  requests: AsyncIterable<unknown>,
  options: CallOptions = {},
): Promise<Msg> {
  const c = beginCall(env, method, options);
  return new Promise((resolve, reject) => {
    let unhook = () => {};
    const call = env.grpc.makeClientStreamRequest(
      c.path,
      serializer(method.input),
      deserializer(method.output),
      c.metadata,
      c.callOptions,
      (err, res) => {
        unhook();
        if (err || res === undefined) return reject(c.fail(err ?? {}));
        c.succeed();
        resolve(res);
      },
    );
    unhook = c.onAbort(call);
    pump(method, requests, call);
  });
}

export async function* bidiStreamCall(
  env: CallEnv,
  method: DescMethod,
  requests: AsyncIterable<unknown>,
  options: CallOptions = {},
): AsyncGenerator<Msg> {
  const c = beginCall(env, method, options);
  const call = env.grpc.makeBidiStreamRequest(
    c.path,
    serializer(method.input),
    deserializer(method.output),
    c.metadata,
    c.callOptions,
  );
  const unhook = c.onAbort(call);
  pump(method, requests, call);
  yield* readAll(call, c, unhook);
}

/** Reads a response stream; a consumer that stops early cancels the call. */
async function* readAll(
  call: AsyncIterable<unknown> & { cancel(): void },
  c: ClientCall,
  unhook: () => void,
): AsyncGenerator<Msg> {
  let finished = false;
  try {
    for await (const message of call) yield message as Msg;
    finished = true;
    c.succeed();
  } catch (err) {
    finished = true;
    throw c.fail(err as GrpcFailure);
  } finally {
    unhook();
    if (!finished) {
      call.cancel();
      c.fail({ code: status.CANCELLED, details: "stopped reading" });
    }
  }
}

/**
 * Writes requests with back-pressure, then half-closes. Stops once the call has ended (the server
 * answered or failed early); a failing source cancels the call.
 */
function pump(
  method: DescMethod,
  requests: AsyncIterable<unknown>,
  call: ClientWritableStream<Msg>,
): void {
  let ended = false;
  call.once("status", () => {
    ended = true;
    call.emit("drain");
  });
  (async () => {
    for await (const request of requests) {
      if (ended) return;
      if (!call.write(create(method.input, request as Msg))) {
        await new Promise<void>((resolve) => call.once("drain", resolve));
      }
    }
    if (!ended) call.end();
  })().catch(() => call.cancel());
}
