/** What a handler learns about the message besides its payload. */
export interface MessageInfo {
  readonly subject: string;
  readonly stream: string;
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  readonly msgId: string | undefined;
  /** When the stream stored it. */
  readonly time: Date;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ConsumeOptions<T> {
  /** Durable consumer name: position and acks survive restarts and are shared by instances. */
  readonly durable: string;
  /** Resolve to ack; throw to have the message redelivered later. Must be idempotent. */
  readonly handler: (msg: T, info: MessageInfo) => Promise<void>;
  /** Deliveries before a failing message is terminated and logged (default 5). */
  readonly maxDeliver?: number;
  /** Time the server waits for an ack before redelivering (default 30 s; slow handlers extend it). */
  readonly ackWaitMs?: number;
  /** First redelivery delay after a failure; doubles per delivery, at most 60 s (default 1 s). */
  readonly nakDelayMs?: number;
  /** Messages pulled at a time (default 16). */
  readonly batch?: number;
  /** Where a new durable starts: every stored message (default) or only new ones. */
  readonly deliverPolicy?: "all" | "new";
}

export interface ConsumerHandle {
  readonly stream: string;
  readonly durable: string;
  /** Stops pulling, lets the running handler finish (≤ 10 s) and returns. */
  stop(): Promise<void>;
}
