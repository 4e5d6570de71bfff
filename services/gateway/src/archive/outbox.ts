import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { Bus, EventType } from "@vis/bus";

/** The Redis commands the outbox uses (ioredis has them). */
export interface OutboxRedis {
  hset(key: string, field: string, value: string): Promise<unknown>;
  hdel(key: string, field: string): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
}

interface Pending {
  readonly subject: string;
  /** base64 of the protobuf payload. */
  readonly data: string;
}

export const OUTBOX_KEY = "vis:archive:outbox";

/**
 * Facts that must reach the registration log (removals, holds, exports) go through here: each is
 * written to a Redis hash (field = its event id) before it is published, and deleted only once
 * JetStream acknowledges it. What NATS did not take — down, partitioned, a gateway restart in
 * between — is published again by `drain()` (run every few seconds and at start) until it is.
 * The event id is the `Nats-Msg-Id` and the authorizer's entry id, so a fact sent twice is
 * registered once.
 */
export class ArchiveOutbox {
  readonly #events = new Map<string, EventType>();
  #draining = false;

  constructor(
    private readonly redis: OutboxRedis,
    private readonly bus: Pick<Bus, "publish">,
    private readonly onError: (err: unknown, what: string) => void,
    events: readonly EventType[],
    private readonly key = OUTBOX_KEY,
  ) {
    for (const e of events) this.#events.set(e.subject, e);
  }

  /**
   * Stores the fact, then publishes it in the background; resolves once it is stored. When Redis
   * cannot store it, publishes it now and resolves only if JetStream acknowledged it — otherwise
   * rejects (the caller must not act as if it were registered).
   */
  async send<Desc extends DescMessage>(
    event: EventType<Desc>,
    id: string,
    value: MessageInitShape<Desc>,
  ): Promise<void> {
    const bytes = toBinary(event.schema, create(event.schema, value));
    const pending: Pending = {
      subject: event.subject,
      data: Buffer.from(bytes).toString("base64"),
    };
    try {
      await this.redis.hset(this.key, id, JSON.stringify(pending));
    } catch (err) {
      this.onError(err, `outbox store of ${event.subject}`);
      await this.bus.publish(event, value, { msgId: id });
      return;
    }
    void this.#publish(id, pending);
  }

  /** Publishes everything still pending; returns how many were acknowledged. */
  async drain(): Promise<number> {
    if (this.#draining) return 0;
    this.#draining = true;
    try {
      const all = await this.redis.hgetall(this.key);
      let done = 0;
      for (const [id, raw] of Object.entries(all)) {
        if (await this.#publish(id, JSON.parse(raw) as Pending)) done++;
      }
      return done;
    } catch (err) {
      this.onError(err, "outbox drain");
      return 0;
    } finally {
      this.#draining = false;
    }
  }

  /** Pending facts (for status and tests). */
  async pending(): Promise<number> {
    return Object.keys(await this.redis.hgetall(this.key)).length;
  }

  async #publish(id: string, p: Pending): Promise<boolean> {
    const event = this.#events.get(p.subject);
    if (event === undefined) {
      this.onError(new Error(`no event type for ${p.subject}`), "outbox publish");
      return false;
    }
    try {
      const value = fromBinary(event.schema, Buffer.from(p.data, "base64"));
      await this.bus.publish(event, value as MessageInitShape<DescMessage>, { msgId: id });
      await this.redis.hdel(this.key, id);
      return true;
    } catch (err) {
      this.onError(err, p.subject);
      return false;
    }
  }
}
