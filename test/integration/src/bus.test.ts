import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { type Struct, StructSchema, TimestampSchema, timestampNow } from "@bufbuild/protobuf/wkt";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  type Bus,
  type BusLogger,
  type BusState,
  connectBus,
  defineEvent,
  type MessageInfo,
  type StreamSpec,
} from "@vis/bus";
import { VisError } from "@vis/errors";
import { InstanceStartedSchema } from "@vis/proto/vis/ops/v1/instance_pb";
import { freePort, type NatsServer, startNats } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** Log lines captured per bus, to assert on what operators would see. */
function memoryLogger(): BusLogger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Resolves when `check` is true; polls every 20 ms, at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < ms / 20 + 1 && Date.now() < deadline; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!check()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Streams get unique names so the suite also runs against a shared external server. */
function streamSpec(overrides: Partial<StreamSpec> = {}): StreamSpec {
  const id = randomUUID().slice(0, 8);
  return {
    name: `T_${id}`,
    subjects: [`vis.t${id}.*.*`],
    maxAgeMs: 3600_000,
    duplicateWindowMs: 60_000,
    discard: "old",
    denyDelete: true,
    denyPurge: false,
    storage: "file",
    ...overrides,
  };
}

function structOf(fields: Record<string, string>): Struct {
  return create(StructSchema, {
    fields: Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [
        k,
        { kind: { case: "stringValue" as const, value: v } },
      ]),
    ),
  });
}

function field(s: Struct, name: string): unknown {
  return s.fields[name]?.kind.value;
}

let nats: NatsServer;
let bus: Bus;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  nats = await startNats();
  bus = await connectBus({ servers: nats.url, name: "bus-test" });
});

afterAll(async () => {
  await bus?.close();
  await nats?.stop();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe("connect", () => {
  it("fails fast with one unavailable line when nothing listens", async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await connectBus({
      servers: `nats://127.0.0.1:${port}`,
      name: "nobody",
      connectTimeoutMs: 800,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).code).toBe("unavailable");
    expect((err as VisError).message).toMatch(
      new RegExp(`^cannot reach NATS at nats://127\\.0\\.0\\.1:${port}: .*refused`),
    );
    expect((err as VisError).message).not.toContain("\n");
  });

  it("reports connected, then closed after close()", async () => {
    const other = await connectBus({ servers: nats.url, name: "state-test" });
    const seen: BusState[] = [];
    other.onState((s) => seen.push(s));
    expect(other.state).toBe("connected");
    await other.close();
    expect(other.state).toBe("closed");
    expect(seen).toEqual(["closed"]);
  });
});

describe("streams", () => {
  it("ensureStreams is idempotent, safe concurrently, and updates drift", async () => {
    const spec = streamSpec();
    const buses = await Promise.all(
      [1, 2, 3].map((i) => connectBus({ servers: nats.url, name: `ensure-${i}` })),
    );
    try {
      await Promise.all(buses.map((b) => b.ensureStreams([spec])));
      await Promise.all(buses.map((b) => b.ensureStreams([spec])));
      await Promise.all(buses.map((b) => b.ensureStreams([{ ...spec, maxAgeMs: 7200_000 }])));
    } finally {
      await Promise.all(buses.map((b) => b.close()));
    }
    const nc = await natsConnect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info(spec.name);
    await nc.close();
    expect(info.config).toMatchObject({
      subjects: spec.subjects,
      max_age: 7200e9,
      duplicate_window: 60e9,
      deny_delete: true,
      discard: "old",
      storage: "file",
    });
  });

  it("refuses an invalid spec naming the field", async () => {
    const err = await bus
      .ensureStreams([streamSpec({ duplicateWindowMs: 0 })])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).field).toMatch(/^streams\[T_.*\]\.duplicateWindowMs$/);
  });
});

describe("publish", () => {
  it("stores one message per msgId and reports the second as duplicate", async () => {
    const spec = streamSpec();
    await bus.ensureStreams([spec]);
    const event = defineEvent({
      subject: spec.subjects[0]?.replace("*.*", "clock.ticked") ?? "",
      schema: TimestampSchema,
      stream: spec.name,
    });
    const first = await bus.publish(event, timestampNow(), { msgId: "tick-1" });
    const second = await bus.publish(event, timestampNow(), { msgId: "tick-1" });
    expect(first).toMatchObject({ stream: spec.name, duplicate: false, msgId: "tick-1" });
    expect(second).toMatchObject({ stream: spec.name, seq: first.seq, duplicate: true });
    const nc = await natsConnect({ servers: nats.url });
    expect((await (await jetstreamManager(nc)).streams.info(spec.name)).state.messages).toBe(1);
    await nc.close();
  });

  it("uses meta.id as the msgId by default", async () => {
    const spec = streamSpec();
    await bus.ensureStreams([spec]);
    const service = spec.subjects[0]?.split(".")[1] ?? "";
    const started = defineEvent({
      subject: `vis.${service}.instance.started`,
      schema: InstanceStartedSchema,
      stream: spec.name,
    });
    const value = { meta: { id: `evt-${randomUUID()}` }, service: "registry", instanceId: "i-1" };
    const a = await bus.publish(started, value);
    const b = await bus.publish(started, value);
    expect(a.msgId).toBe(value.meta.id);
    expect(b.duplicate).toBe(true);
  });

  it("fails with a VisError when no stream takes the subject", async () => {
    const stray = defineEvent({
      subject: "vis.nowhere.thing.happened",
      schema: TimestampSchema,
      stream: "NOPE",
    });
    const err = await bus
      .publish(stray, timestampNow(), { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VisError);
    expect((err as VisError).code).toBe("unavailable");
    expect((err as VisError).message).toMatch(
      /^publish vis\.nowhere\.thing\.happened .*no JetStream answered/,
    );
  });
});

describe("consume", () => {
  it("delivers with the trace continued from the producer span", async () => {
    const spec = streamSpec();
    await bus.ensureStreams([spec]);
    const event = defineEvent({
      subject: spec.subjects[0]?.replace("*.*", "grant.revoked") ?? "",
      schema: StructSchema,
      stream: spec.name,
    });
    const got: { msg: Struct; info: MessageInfo; traceId: string | undefined }[] = [];
    const consumer = await bus.consume(event, {
      durable: "tracer",
      handler: async (msg, info) => {
        got.push({ msg, info, traceId: trace.getActiveSpan()?.spanContext().traceId });
      },
    });
    exporter.reset();
    const ack = await trace.getTracer("test").startActiveSpan("caller", async (span) => {
      try {
        return await bus.publish(event, structOf({ grant: "g-1" }));
      } finally {
        span.end();
      }
    });
    await until(() => got.length === 1, 10_000, "delivery");
    await consumer.stop();

    expect(field(got[0]?.msg ?? structOf({}), "grant")).toBe("g-1");
    expect(got[0]?.info).toMatchObject({
      subject: event.subject,
      seq: ack.seq,
      deliveryCount: 1,
      msgId: ack.msgId,
    });
    await until(
      () => exporter.getFinishedSpans().some((s) => s.kind === SpanKind.CONSUMER),
      2000,
      "consumer span",
    );
    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.name === `publish ${event.subject}`);
    const consumerSpan = spans.find((s) => s.name === `process ${event.subject}`);
    const caller = spans.find((s) => s.name === "caller");
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.attributes["messaging.system"]).toBe("nats");
    expect(producer?.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId);
    expect(consumerSpan?.kind).toBe(SpanKind.CONSUMER);
    expect(consumerSpan?.spanContext().traceId).toBe(producer?.spanContext().traceId);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(got[0]?.traceId).toBe(producer?.spanContext().traceId);
  });

  it("redelivers after a handler failure, and terminates after maxDeliver", async () => {
    const spec = streamSpec();
    await bus.ensureStreams([spec]);
    const event = defineEvent({
      subject: spec.subjects[0]?.replace("*.*", "job.requested") ?? "",
      schema: StructSchema,
      stream: spec.name,
    });
    const logger = memoryLogger();
    const b = await connectBus({ servers: nats.url, name: "redeliver", logger });
    const attempts = new Map<string, number[]>();
    const done: string[] = [];
    try {
      await b.consume(event, {
        durable: "worker",
        maxDeliver: 3,
        nakDelayMs: 50,
        handler: async (msg, info) => {
          const job = String(field(msg, "job"));
          attempts.set(job, [...(attempts.get(job) ?? []), info.deliveryCount]);
          if (job === "flaky" && info.deliveryCount < 2) throw new Error("flaky once");
          if (job === "doomed") throw new Error("always fails");
          done.push(job);
        },
      });
      await b.publish(event, structOf({ job: "flaky" }));
      await b.publish(event, structOf({ job: "doomed" }));
      await b.publish(event, structOf({ job: "after" }));
      await until(() => done.includes("flaky") && done.includes("after"), 10_000, "jobs");
      await until(() => (attempts.get("doomed") ?? []).length === 3, 10_000, "3 deliveries");
      await until(
        () =>
          logger.lines.some((l) => (l.obj as { event?: string }).event === "message_terminated"),
        5000,
        "termination log",
      );
      await new Promise((r) => setTimeout(r, 400));
    } finally {
      await b.close();
    }
    expect(attempts.get("flaky")).toEqual([1, 2]);
    expect(attempts.get("doomed")).toEqual([1, 2, 3]);
    const terminated = logger.lines.filter(
      (l) => (l.obj as { event?: string }).event === "message_terminated",
    );
    expect(terminated).toHaveLength(1);
    expect(terminated[0]?.level).toBe("error");
  });

  it("terminates an undecodable message and keeps delivering the next ones", async () => {
    const spec = streamSpec();
    await bus.ensureStreams([spec]);
    const event = defineEvent({
      subject: spec.subjects[0]?.replace("*.*", "camera.added") ?? "",
      schema: StructSchema,
      stream: spec.name,
    });
    const logger = memoryLogger();
    const b = await connectBus({ servers: nats.url, name: "poison", logger });
    const got: string[] = [];
    try {
      const nc = await natsConnect({ servers: nats.url });
      await jetstream(nc).publish(event.subject, new Uint8Array([0x0a, 0x7f]));
      await nc.close();
      await b.publish(event, structOf({ camera: "c-2" }));
      await b.consume(event, {
        durable: "poison-eater",
        handler: async (msg) => {
          got.push(String(field(msg, "camera")));
        },
      });
      await until(() => got.includes("c-2"), 10_000, "message after the poison one");
    } finally {
      await b.close();
    }
    expect(got).toEqual(["c-2"]);
    const poison = logger.lines.find(
      (l) => (l.obj as { event?: string }).event === "poison_message",
    );
    expect(poison?.level).toBe("error");
    expect(poison?.obj).toMatchObject({ seq: 1, stream: spec.name });
  });

  it("keeps consuming after nats-server is killed (-9) and restarted", async (ctx) => {
    await using own = await startNats();
    if (own.kind === "external") ctx.skip();
    const spec = streamSpec();
    const b = await connectBus({
      servers: own.url,
      name: "survivor",
      reconnect: { initialMs: 100, maxMs: 500 },
    });
    const states: BusState[] = [];
    b.onState((s) => states.push(s));
    const got: string[] = [];
    try {
      await b.ensureStreams([spec]);
      const event = defineEvent({
        subject: spec.subjects[0]?.replace("*.*", "session.ended") ?? "",
        schema: StructSchema,
        stream: spec.name,
      });
      await b.consume(event, {
        durable: "survivor",
        handler: async (msg) => {
          got.push(String(field(msg, "n")));
        },
      });
      await b.publish(event, structOf({ n: "before" }));
      await until(() => got.includes("before"), 10_000, "first message");
      await own.kill("SIGKILL");
      await until(() => b.state === "reconnecting", 5000, "reconnecting state");
      // a publish issued during the outage is retried (same msgId) and lands after the restart
      const during = b.publish(event, structOf({ n: "during" }), { timeoutMs: 1000 });
      await new Promise((r) => setTimeout(r, 300));
      await own.restart();
      await until(() => b.state === "connected", 10_000, "reconnected state");
      expect((await during).duplicate).toBe(false);
      await b.publish(event, structOf({ n: "after" }));
      await until(() => got.includes("after"), 20_000, "message after restart");
    } finally {
      await b.close();
    }
    expect(got).toEqual(["before", "during", "after"]);
    expect(states.slice(0, 2)).toEqual(["reconnecting", "connected"]);
  });
});

describe("core NATS", () => {
  it("round-trips a VisError through service-error headers", async () => {
    const subject = `vis.test.rpc.${randomUUID().slice(0, 8)}`;
    const server = bus.serve(
      subject,
      StructSchema,
      StructSchema,
      async (req) => {
        const what = field(req, "what");
        if (what === "refuse") {
          throw new VisError("failed_precondition", "system not accepted", {
            article: "Art. 16",
            field: "system.acceptance",
          });
        }
        if (what === "crash") throw new Error("db password is hunter2");
        if (what === "slow") await new Promise((r) => setTimeout(r, 500));
        return structOf({ echo: String(what) });
      },
      { queue: "rpc-test" },
    );
    try {
      const ok = await bus.request(subject, StructSchema, StructSchema, structOf({ what: "hi" }));
      expect(field(ok, "echo")).toBe("hi");

      const refused = await bus
        .request(subject, StructSchema, StructSchema, structOf({ what: "refuse" }))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(VisError);
      expect((refused as VisError).toJSON()).toEqual({
        code: "failed_precondition",
        message: "system not accepted",
        field: "system.acceptance",
        article: "Art. 16",
      });

      const crashed = await bus
        .request(subject, StructSchema, StructSchema, structOf({ what: "crash" }))
        .catch((e: unknown) => e);
      expect((crashed as VisError).toJSON()).toEqual({
        code: "internal",
        message: "internal error",
      });

      const slow = await bus
        .request(subject, StructSchema, StructSchema, structOf({ what: "slow" }), {
          timeoutMs: 100,
        })
        .catch((e: unknown) => e);
      expect((slow as VisError).code).toBe("deadline_exceeded");
    } finally {
      await server.stop();
    }
    const nobody = await bus
      .request(subject, StructSchema, StructSchema, structOf({}), { timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect((nobody as VisError).code).toBe("unavailable");
  });

  it("publishes and subscribes typed messages that may be lost", async () => {
    const subject = `vis.test.ping.${randomUUID().slice(0, 8)}`;
    const got: string[] = [];
    const raw: number[] = [];
    const typed = bus.subscribeCore(subject, StructSchema, (msg) => {
      got.push(String(field(msg, "from")));
    });
    const bytes = bus.subscribeCore(subject, (data) => {
      raw.push(data.byteLength);
    });
    await bus.connection.flush();
    bus.publishCore(subject, StructSchema, structOf({ from: "gateway-1" }));
    bus.publishCore(subject, new Uint8Array([0x0a, 0x7f]));
    await until(() => got.length === 1 && raw.length === 2, 5000, "core messages");
    await typed.stop();
    await bytes.stop();
    expect(got).toEqual(["gateway-1"]);
    expect(() => bus.publishCore("vis.*.bad", new Uint8Array())).toThrow(VisError);
  });
});
