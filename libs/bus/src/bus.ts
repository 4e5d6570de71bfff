import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { NatsConnection } from "@nats-io/transport-node";
import type { BusCredentials, ReconnectPolicy } from "./connect.ts";
import type { ConsumeOptions, ConsumerHandle } from "./consume-options.ts";
import type { CoreMessageInfo, CoreSubscription } from "./core.ts";
import type { EventType } from "./event.ts";
import type { BusLogger } from "./logger.ts";
import type { PublishAck, PublishOptions } from "./publish.ts";
import type { RequestOptions } from "./request.ts";
import type { ServeOptions } from "./serve.ts";
import type { BusState } from "./state.ts";
import type { StreamSpec } from "./stream-spec.ts";

export interface BusOptions {
  /** `nats://host:port`, or several for a cluster. */
  readonly servers: string | readonly string[];
  /** Client name shown by the server (use the instance id). */
  readonly name: string;
  readonly logger?: BusLogger;
  /** Bound on the first connection (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  readonly credentials?: BusCredentials;
  readonly reconnect?: ReconnectPolicy;
  /** Default timeout of requests and JetStream acknowledgements (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  readonly pingIntervalMs?: number;
}

export interface CoreOptions {
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where a consumer reads: an event type, or a stream and filter (raw bytes unless a schema is given). */
export type ConsumeSource<Desc extends DescMessage> =
  | EventType<Desc>
  | { readonly stream: string; readonly filterSubject: string; readonly schema: Desc };

/** NATS for one process: JetStream for what must last, core NATS for what may be lost. */
export interface Bus {
  readonly name: string;
  readonly state: BusState;
  /** Tells `listener` of every state change; returns the function that removes it. */
  onState(listener: (state: BusState) => void): () => void;
  ensureStreams(specs: readonly StreamSpec[]): Promise<void>;
  publish<Desc extends DescMessage>(
    event: EventType<Desc>,
    value: MessageInitShape<Desc>,
    options?: PublishOptions,
  ): Promise<PublishAck>;
  consume<Desc extends DescMessage>(
    source: ConsumeSource<Desc>,
    options: ConsumeOptions<MessageShape<Desc>>,
  ): Promise<ConsumerHandle>;
  consume(
    source: { readonly stream: string; readonly filterSubject: string },
    options: ConsumeOptions<Uint8Array>,
  ): Promise<ConsumerHandle>;
  publishCore(subject: string, data: Uint8Array, options?: CoreOptions): void;
  publishCore<Desc extends DescMessage>(
    subject: string,
    schema: Desc,
    value: MessageInitShape<Desc>,
    options?: CoreOptions,
  ): void;
  subscribeCore(
    subject: string,
    handler: (data: Uint8Array, info: CoreMessageInfo) => void | Promise<void>,
    options?: { queue?: string },
  ): CoreSubscription;
  subscribeCore<Desc extends DescMessage>(
    subject: string,
    schema: Desc,
    handler: (msg: MessageShape<Desc>, info: CoreMessageInfo) => void | Promise<void>,
    options?: { queue?: string },
  ): CoreSubscription;
  serve<I extends DescMessage, O extends DescMessage>(
    subject: string,
    schemaIn: I,
    schemaOut: O,
    handler: (req: MessageShape<I>, info: CoreMessageInfo) => Promise<MessageInitShape<O>>,
    options?: ServeOptions,
  ): CoreSubscription;
  request<I extends DescMessage, O extends DescMessage>(
    subject: string,
    schemaIn: I,
    schemaOut: O,
    value: MessageInitShape<I>,
    options?: RequestOptions,
  ): Promise<MessageShape<O>>;
  /** Stops consumers and subscriptions, drains the connection (≤ 5 s), closes it. */
  close(): Promise<void>;
  /** The underlying connection, for libraries that need more (KV, object store). */
  readonly connection: NatsConnection;
}
