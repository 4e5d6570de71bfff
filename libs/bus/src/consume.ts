import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { backoffDelay, sleep } from "./backoff.ts";
import type { ConsumeOptions, ConsumerHandle } from "./consume-options.ts";
import { type Delivery, deliver } from "./deliver.ts";
import type { BusLogger } from "./logger.ts";
import { toVisError } from "./nats-errors.ts";
import { checkName, checkSubject } from "./subject.ts";

export interface ConsumeContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  jsm(): Promise<JetStreamManager>;
  readonly logger: BusLogger;
}

/** A pull request stays open this long; heartbeats come every half of it. */
const PULL_EXPIRES_MS = 5000;

/**
 * A durable pull consumer, created idempotently, consumed one message at a time. Decode failures are
 * terminated at once (a poison message never blocks the ones behind it); handler failures are nak'ed
 * with a growing delay and terminated after `maxDeliver`. Survives reconnects and server restarts.
 */
export async function startConsumer<T>(
  ctx: ConsumeContext,
  source: { stream: string; filterSubject: string },
  decode: (data: Uint8Array) => T,
  options: ConsumeOptions<T>,
): Promise<ConsumerHandle> {
  checkName("stream", source.stream);
  checkName("durable", options.durable);
  checkSubject(source.filterSubject, "filterSubject");
  const consumer = new DurableConsumer(ctx, source, decode, options);
  await consumer.ensure().catch((err: unknown) => {
    throw toVisError(err, `create consumer ${options.durable} on ${source.stream}`);
  });
  consumer.start();
  return consumer;
}

class DurableConsumer<T> implements ConsumerHandle {
  readonly stream: string;
  readonly durable: string;
  private readonly delivery: Delivery<T>;
  private readonly stopping = new AbortController();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ConsumeContext,
    private readonly source: { stream: string; filterSubject: string },
    decode: (data: Uint8Array) => T,
    private readonly options: ConsumeOptions<T>,
  ) {
    this.stream = source.stream;
    this.durable = options.durable;
    this.delivery = {
      stream: source.stream,
      durable: options.durable,
      maxDeliver: options.maxDeliver ?? 5,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      decode,
      options,
      logger: ctx.logger,
    };
  }

  /** Creates the durable or updates it to this configuration (same call from every instance). */
  async ensure(): Promise<void> {
    const jsm = await this.ctx.jsm();
    await jsm.consumers.add(this.stream, {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.options.deliverPolicy === "new" ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: this.source.filterSubject,
      max_deliver: this.delivery.maxDeliver,
      ack_wait: nanos(this.delivery.ackWaitMs),
    });
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return this.loop;
    this.stopping.abort();
    await this.messages?.close().catch(() => undefined);
    const timeout = sleep(10_000);
    await Promise.race([this.loop, timeout]);
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted || this.ctx.nc.isClosed();
  }

  private async run(): Promise<void> {
    const log = { stream: this.stream, durable: this.durable };
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const consumer = await this.ctx.js.consumers.get(this.stream, this.durable);
        const messages = await consumer.consume({
          max_messages: this.options.batch ?? 16,
          expires: PULL_EXPIRES_MS,
        });
        this.messages = messages;
        if (this.stopped) {
          await messages.close();
          break;
        }
        void this.watch(messages);
        attempt = 0;
        for await (const m of messages) {
          if (this.stopped) m.nak();
          else await deliver(m, this.delivery);
        }
        if (!this.stopped) {
          this.ctx.logger.warn({ ...log, event: "consumer_ended" }, "pull loop ended; resuming");
        }
      } catch (err) {
        if (this.stopped) break;
        this.ctx.logger.warn({ ...log, err, event: "consumer_error" }, "consumer failed; resuming");
      }
      if (this.stopped) break;
      await sleep(backoffDelay(attempt, 250, 5000), this.stopping.signal);
    }
  }

  /** Logs what the pull loop reports and re-creates the durable if the server lost it. */
  private async watch(messages: ConsumerMessages): Promise<void> {
    const log = { stream: this.stream, durable: this.durable };
    for await (const s of messages.status()) {
      if (s.type === "consumer_not_found" || s.type === "consumer_deleted") {
        this.ctx.logger.warn({ ...log, event: s.type }, "durable consumer missing; re-creating it");
        await this.ensure().catch((err: unknown) =>
          this.ctx.logger.warn({ ...log, err }, "could not re-create durable consumer"),
        );
      } else if (s.type === "stream_not_found") {
        this.ctx.logger.error({ ...log, event: s.type }, "stream missing; waiting for it");
      } else if (s.type === "exceeded_limits") {
        this.ctx.logger.warn(
          { ...log, event: s.type, description: s.description },
          "pull limits exceeded",
        );
      }
    }
  }
}
