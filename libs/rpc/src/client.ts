import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { type ChannelCredentials, type ChannelOptions, Client, credentials } from "@grpc/grpc-js";
import { VisError } from "@vis/errors";
import type { CallEnv, CallOptions } from "./call-setup.ts";
import { bidiStreamCall, clientStreamCall, serverStreamCall, unaryCall } from "./client-calls.ts";
import { durationHistogram } from "./telemetry.ts";

export interface RpcClientOptions {
  /** `host:port` of the server. */
  address: string;
  /** Deadline for calls that do not set their own; default 5000 ms. */
  deadlineMs?: number;
  /** Default: insecure (plaintext). */
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
}

/** The client function of one method, chosen by its kind. */
export type ClientMethod<M> = M extends {
  methodKind: infer K;
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? K extends "unary"
    ? (request: MessageInitShape<I>, options?: CallOptions) => Promise<MessageShape<O>>
    : K extends "server_streaming"
      ? (request: MessageInitShape<I>, options?: CallOptions) => AsyncIterable<MessageShape<O>>
      : K extends "client_streaming"
        ? (
            requests: AsyncIterable<MessageInitShape<I>>,
            options?: CallOptions,
          ) => Promise<MessageShape<O>>
        : K extends "bidi_streaming"
          ? (
              requests: AsyncIterable<MessageInitShape<I>>,
              options?: CallOptions,
            ) => AsyncIterable<MessageShape<O>>
          : never
  : never;

/** A typed client: one function per method (`client.getInfo(...)`), plus `close()`. */
export type RpcClient<S extends DescService> = {
  [K in keyof S["method"]]: ClientMethod<S["method"][K]>;
} & {
  readonly address: string;
  close(): void;
};

export const DEFAULT_DEADLINE_MS = 5_000;

/**
 * A client for a generated service. Every call carries a deadline, the active trace context, and
 * fails with a `VisError` (as thrown by the server, or `unavailable` / `deadline_exceeded` /
 * `canceled` for the call itself).
 */
export function createRpcClient<S extends DescService>(
  service: S,
  options: RpcClientOptions,
): RpcClient<S> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
    throw new VisError(
      "invalid_argument",
      `rpc client for ${service.typeName}: deadlineMs must be a positive number`,
      { field: "deadlineMs" },
    );
  }
  const grpc = new Client(
    options.address,
    options.credentials ?? credentials.createInsecure(),
    options.channelOptions,
  );
  const env: CallEnv = {
    grpc,
    address: options.address,
    deadlineMs,
    histogram: durationHistogram("client"),
  };
  const client: Record<string, unknown> = {
    address: options.address,
    close: () => grpc.close(),
  };
  for (const method of service.methods) {
    if (method.localName in client) {
      throw new Error(
        `rpc client for ${service.typeName}: method ${method.name} clashes with ${method.localName}`,
      );
    }
    const call = {
      unary: unaryCall,
      server_streaming: serverStreamCall,
      client_streaming: clientStreamCall,
      bidi_streaming: bidiStreamCall,
    }[method.methodKind];
    client[method.localName] = (input: never, callOptions?: CallOptions) =>
      call(env, method, input, callOptions);
  }
  return client as RpcClient<S>;
}
