import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { sleep } from "./backoff.ts";
import type { Bus, BusOptions, CoreOptions } from "./bus.ts";
import { startConsumer } from "./consume.ts";
import type { ConsumeOptions, ConsumerHandle } from "./consume-options.ts";
import {
  type CoreMessageInfo,
  type CoreSubscription,
  publishCoreBytes,
  subscribeCoreDecoded,
} from "./core.ts";
import type { EventType } from "./event.ts";
import type { BusLogger } from "./logger.ts";
import { type PublishAck, type PublishOptions, publishEvent } from "./publish.ts";
import { type RequestOptions, sendRequest } from "./request.ts";
import { type ServeOptions, serveRequests } from "./serve.ts";
import { type BusState, StateCell } from "./state.ts";
import { watchStatus } from "./status.ts";
import type { StreamSpec } from "./stream-spec.ts";
import { ensureStreams } from "./streams.ts";

/** The Bus over one NATS connection; `connectBus` is the way to get one. */
export class NatsBus implements Bus {
  readonly name: string;
  private readonly cell = new StateCell();
  private readonly js: JetStreamClient;
  private manager: Promise<JetStreamManager> | undefined;
  private readonly requestTimeoutMs: number;
  private readonly duplicateWindows = new Map<string, number>();
  private readonly stoppables = new Set<{ stop(): Promise<void> }>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly connection: NatsConnection,
    options: BusOptions,
    private readonly logger: BusLogger,
  ) {
    this.name = options.name;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.js = jetstream(connection, { timeout: this.requestTimeoutMs });
    watchStatus(connection, this.cell, logger);
  }

  get state(): BusState {
    return this.cell.state;
  }

  onState(listener: (state: BusState) => void): () => void {
    return this.cell.on(listener);
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= jetstreamManager(this.connection, {
      timeout: this.requestTimeoutMs,
      checkAPI: false,
    });
    return this.manager;
  }

  async ensureStreams(specs: readonly StreamSpec[]): Promise<void> {
    await ensureStreams(await this.jsm(), specs, this.logger);
    for (const spec of specs) this.duplicateWindows.set(spec.name, spec.duplicateWindowMs);
  }

  publish<Desc extends DescMessage>(
    event: EventType<Desc>,
    value: MessageInitShape<Desc>,
    options?: PublishOptions,
  ): Promise<PublishAck> {
    const ctx = {
      js: this.js,
      logger: this.logger,
      requestTimeoutMs: this.requestTimeoutMs,
      duplicateWindows: this.duplicateWindows,
    };
    return publishEvent(ctx, event, value, options);
  }

  async consume(
    source: {
      readonly stream: string;
      readonly filterSubject?: string;
      readonly subject?: string;
      readonly schema?: DescMessage;
    },
    options: ConsumeOptions<never>,
  ): Promise<ConsumerHandle> {
    const filterSubject = source.filterSubject ?? source.subject ?? "";
    const schema = source.schema;
    const decode = schema
      ? (data: Uint8Array) => fromBinary(schema, data)
      : (data: Uint8Array) => data;
    const ctx = { nc: this.connection, js: this.js, jsm: () => this.jsm(), logger: this.logger };
    const handle = await startConsumer(
      ctx,
      { stream: source.stream, filterSubject },
      decode as (d: Uint8Array) => never,
      options,
    );
    return this.track(handle);
  }

  publishCore(
    subject: string,
    second: Uint8Array | DescMessage,
    third?: unknown,
    fourth?: CoreOptions,
  ): void {
    const ctx = { nc: this.connection, logger: this.logger };
    if (second instanceof Uint8Array) {
      publishCoreBytes(ctx, subject, second, (third as CoreOptions | undefined)?.headers);
    } else {
      const data = toBinary(second, create(second, third as MessageInitShape<DescMessage>));
      publishCoreBytes(ctx, subject, data, fourth?.headers);
    }
  }

  subscribeCore(
    subject: string,
    second: DescMessage | ((data: never, info: CoreMessageInfo) => void | Promise<void>),
    third?: unknown,
    fourth?: { queue?: string },
  ): CoreSubscription {
    const ctx = { nc: this.connection, logger: this.logger };
    if (typeof second === "function") {
      return this.track(
        subscribeCoreDecoded(ctx, subject, (d) => d as never, second, third as { queue?: string }),
      );
    }
    const handler = third as (msg: never, info: CoreMessageInfo) => void | Promise<void>;
    return this.track(
      subscribeCoreDecoded(ctx, subject, (d) => fromBinary(second, d) as never, handler, fourth),
    );
  }

  serve<I extends DescMessage, O extends DescMessage>(
    subject: string,
    schemaIn: I,
    schemaOut: O,
    handler: (req: MessageShape<I>, info: CoreMessageInfo) => Promise<MessageInitShape<O>>,
    options?: ServeOptions,
  ): CoreSubscription {
    const ctx = {
      nc: this.connection,
      logger: this.logger,
      requestTimeoutMs: this.requestTimeoutMs,
    };
    return this.track(serveRequests(ctx, subject, schemaIn, schemaOut, handler, options));
  }

  request<I extends DescMessage, O extends DescMessage>(
    subject: string,
    schemaIn: I,
    schemaOut: O,
    value: MessageInitShape<I>,
    options?: RequestOptions,
  ): Promise<MessageShape<O>> {
    const ctx = {
      nc: this.connection,
      logger: this.logger,
      requestTimeoutMs: this.requestTimeoutMs,
    };
    return sendRequest(ctx, subject, schemaIn, schemaOut, value, options);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled([...this.stoppables].map((s) => s.stop()));
    if (this.connection.isClosed()) return;
    const drained = this.connection.drain().then(
      () => true,
      () => false,
    );
    if (!(await Promise.race([drained, sleep(5000).then(() => false)]))) {
      await this.connection.close().catch(() => undefined);
    }
  }

  /** Remembers a consumer or subscription so close() stops it; forgets it once stopped. */
  private track<H extends { stop(): Promise<void> }>(handle: H): H {
    const wrapped: H = Object.create(handle);
    wrapped.stop = async () => {
      this.stoppables.delete(wrapped);
      await handle.stop();
    };
    this.stoppables.add(wrapped);
    return wrapped;
  }
}
