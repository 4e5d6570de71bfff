import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";

/** What a handler learns about the call besides the request. */
export interface CallContext {
  /** gRPC path, `/vis.ops.v1.Admin/GetInfo`. */
  readonly method: string;
  /** Request headers (metadata) as sent by the caller. */
  readonly metadata: Metadata;
  /** When the caller stops waiting; undefined when the caller set none. */
  readonly deadline: Date | undefined;
  /** Aborted when the caller cancels, the deadline passes, or the server is forced down. */
  readonly signal: AbortSignal;
  /** The caller's address, `ipv4:127.0.0.1:53412`. */
  readonly peer: string;
}

/** Sends one response message of a streaming call; waits while the transport is backed up. */
export type Send<O extends DescMessage> = (message: MessageInitShape<O>) => Promise<void>;

export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  ctx: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;

/** Either an async generator of responses, or a function that calls `send` and resolves when done. */
export type ServerStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  ctx: CallContext,
  send: Send<O>,
) => AsyncIterable<MessageInitShape<O>> | Promise<void>;

export type ClientStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  ctx: CallContext,
) => Promise<MessageInitShape<O>>;

export type BidiStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  ctx: CallContext,
  send: Send<O>,
) => AsyncIterable<MessageInitShape<O>> | Promise<void>;

/** The handler type of one method, chosen by its kind. */
export type MethodImpl<M> = M extends {
  methodKind: infer K;
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? K extends "unary"
    ? UnaryImpl<I, O>
    : K extends "server_streaming"
      ? ServerStreamingImpl<I, O>
      : K extends "client_streaming"
        ? ClientStreamingImpl<I, O>
        : K extends "bidi_streaming"
          ? BidiStreamingImpl<I, O>
          : never
  : never;

/** Handlers for every method of a generated service, keyed by local name (`getInfo`). */
export type ServiceImpl<S extends DescService> = {
  [K in keyof S["method"]]: MethodImpl<S["method"][K]>;
};
