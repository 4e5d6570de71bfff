import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { type Client, type ClientWritableStream, Metadata, status } from "@grpc/grpc-js";
import type { Histogram } from "@opentelemetry/api";
import { VisError } from "@vis/errors";
import { deserializer, methodPath, serializer } from "./adapter.ts";
import { fromGrpcFailure, type GrpcFailure } from "./grpc-error.ts";
import { observeClientCall } from "./telemetry.ts";

/** Per-call options. Every call has a deadline: `deadlineMs` or the client's default. */
export interface CallOptions {
  deadlineMs?: number;
  /** Extra request headers. */
  metadata?: Record<string, string> | Metadata;
  /** Cancels the call; it then rejects with `canceled`. */
  signal?: AbortSignal;
}

/** What a call needs from its client. */
export interface CallEnv {
  readonly grpc: Client;
  readonly address: string;
  readonly deadlineMs: number;
  readonly histogram: Histogram;
}

type Msg = Message;

/** Shared set-up of one call: path, deadline, metadata with trace context, span, error mapping. */
function begin(env: CallEnv, method: DescMethod, options: CallOptions) {
  const path = methodPath(method);
  const deadlineMs = options.deadlineMs ?? env.deadlineMs;
  if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
    throw new VisError("invalid_argument", `${path}: deadlineMs must be a positive number`, {
      field: "deadlineMs",
    });
  }
  const metadata = toMetadata(options.metadata);
  const observed = observeClientCall(method, metadata, env.histogram);
  const fail = (failure: GrpcFailure): VisError => {
    const err = fromGrpcFailure(failure, { path, address: env.address, deadlineMs });
    observed.end(failure.code ?? status.UNKNOWN, err.message);
    return err;
  };
  return {
    path,
    metadata,
    callOptions: { deadline: Date.now() + deadlineMs },
    succeed: () => observed.end(status.OK),
    fail,
    /** Cancels `call` when the caller's signal fires; returns the unhook. */
    onAbort(call: { cancel(): void }): () => void {
      const signal = options.signal;
      if (signal === undefined) return () => {};
      if (signal.aborted) call.cancel();
      const cancel = () => call.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      return () => signal.removeEventListener("abort", cancel);
    },
  };
}

function toMetadata(input: CallOptions["metadata"]): Metadata {
  if (input instanceof Metadata) return input.clone();
  const md = new Metadata();
  for (const [k, v] of Object.entries(input ?? {})) md.set(k, v);
  return md;
}

export function unaryCall(
  env: CallEnv,
  method: DescMethod,
  request: unknown,
  options: CallOptions = {},
): Promise<Msg> {
  const c = begin(env, method, options);
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
  const c = begin(env, method, options);
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
  const c = begin(env, method, options);
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
  const c = begin(env, method, options);
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
  c: ReturnType<typeof begin>,
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

/** Writes requests with back-pressure, then half-closes; a failing source cancels the call. */
function pump(
  method: DescMethod,
  requests: AsyncIterable<unknown>,
  call: ClientWritableStream<Msg>,
): void {
  (async () => {
    for await (const request of requests) {
      if (!call.write(create(method.input, request as Msg))) {
        await new Promise<void>((resolve) => call.once("drain", resolve));
      }
    }
    call.end();
  })().catch(() => call.cancel());
}
