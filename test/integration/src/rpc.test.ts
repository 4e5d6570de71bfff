import { createServer } from "node:net";
import {
  create,
  createFileRegistry,
  type DescService,
  fromBinary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { VisError } from "@vis/errors";
import { Health } from "@vis/proto/grpc/health/v1/health_pb";
import { ServerReflection } from "@vis/proto/grpc/reflection/v1/reflection_pb";
import { ServerReflection as ServerReflectionV1alpha } from "@vis/proto/grpc/reflection/v1alpha/reflection_pb";
import {
  file_vis_health_v1_monitor,
  HealthMonitor,
  type InstanceSchema,
  InstanceState,
} from "@vis/proto/vis/health/v1/monitor_pb";
import { Admin, DependencyState } from "@vis/proto/vis/ops/v1/admin_pb";
import {
  checkHealth,
  createRpcClient,
  createRpcServer,
  listServices,
  type RpcLogger,
  type RpcServer,
  type ServiceImpl,
} from "@vis/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The test serves only some methods of a real generated service (HealthMonitor carries the
 * validation rules these tests need); the others answer `unimplemented`.
 */
function someMethods<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
): ServiceImpl<S> {
  const full: Record<string, unknown> = {};
  for (const m of service.methods) {
    full[m.localName] =
      (impl as Record<string, unknown>)[m.localName] ??
      (() => {
        throw new VisError("unimplemented", `${m.name} is not served in this test`);
      });
  }
  return full as ServiceImpl<S>;
}

// Tracing as a process would install it: provider, W3C propagator, async-local context.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Records what the server logs, to check causes are logged and not sent. */
const logged: { level: string; obj: object; msg?: string | undefined }[] = [];
const logger: RpcLogger = {
  debug: (obj, msg) => logged.push({ level: "debug", obj, msg }),
  info: (obj, msg) => logged.push({ level: "info", obj, msg }),
  warn: (obj, msg) => logged.push({ level: "warn", obj, msg }),
  error: (obj, msg) => logged.push({ level: "error", obj, msg }),
};

/**
 * A test-only service built at run time from a descriptor, to exercise the streaming kinds with
 * real messages that carry protovalidate rules (ListInstancesRequest.service has a pattern).
 */
function echoService(): DescService {
  const proto = create(FileDescriptorProtoSchema, {
    name: "test/v1/echo.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: ["vis/health/v1/monitor.proto"],
    service: [
      {
        name: "Echo",
        method: [
          {
            name: "Stream",
            inputType: ".vis.health.v1.ListInstancesRequest",
            outputType: ".vis.health.v1.Instance",
            serverStreaming: true,
          },
          {
            name: "Collect",
            inputType: ".vis.health.v1.ListInstancesRequest",
            outputType: ".vis.health.v1.ListInstancesResponse",
            clientStreaming: true,
          },
          {
            name: "Chat",
            inputType: ".vis.health.v1.ListInstancesRequest",
            outputType: ".vis.health.v1.Instance",
            clientStreaming: true,
            serverStreaming: true,
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(proto, (name) =>
    name === "vis/health/v1/monitor.proto" ? file_vis_health_v1_monitor : undefined,
  );
  const service = registry.getService("test.v1.Echo");
  if (!service) throw new Error("test.v1.Echo missing");
  return service;
}

type Instance = MessageInitShape<typeof InstanceSchema>;
const instance = (service: string): Instance => ({
  service,
  instanceId: `${service}-1`,
  state: InstanceState.UP,
});

let server: RpcServer;
let address: string;
let slowCallAborted: Promise<unknown>;
let handlerSpanId: string | undefined;
let lastRequestId: unknown;
const Echo = echoService();

beforeAll(async () => {
  server = createRpcServer({ host: "127.0.0.1", port: 0, logger });
  server.add(Admin, {
    async getInfo(_req, ctx) {
      handlerSpanId = trace.getActiveSpan()?.spanContext().spanId;
      lastRequestId = ctx.metadata.get("x-request-id")[0];
      return {
        service: "test",
        instanceId: "test-1",
        version: "0.0.0",
        pid: process.pid,
        grpcAddress: server.address ?? "",
        dependencies: [
          { name: "nats", target: "127.0.0.1:4222", state: DependencyState.CONNECTED },
        ],
      };
    },
  });
  let markSlowAborted: (reason: unknown) => void = () => {};
  slowCallAborted = new Promise((resolve) => {
    markSlowAborted = resolve;
  });
  server.add(
    HealthMonitor,
    someMethods(HealthMonitor, {
      async listInstances(req, ctx) {
        switch (req.service) {
          case "refused":
            throw new VisError("permission_denied", "private place", {
              field: "service",
              article: "Art. 9",
            });
          case "crash":
            throw new Error("db password is hunter2");
          case "slow":
            await new Promise((resolve) =>
              ctx.signal.addEventListener("abort", resolve, { once: true }),
            );
            markSlowAborted(ctx.signal.reason);
            return {};
          default:
            return { instances: [instance(req.service || "registry")] };
        }
      },
    }),
  );
  const echo = {
    async *stream(req: { service: string }) {
      yield instance("first");
      if (req.service === "refused")
        throw new VisError("not_found", "no such thing", { field: "service" });
      if (req.service === "crash") throw new Error("stack secret");
      yield instance(req.service);
    },
    async collect(reqs: AsyncIterable<{ service: string }>) {
      const instances: Instance[] = [];
      for await (const r of reqs) instances.push(instance(r.service));
      return { instances };
    },
    async chat(
      reqs: AsyncIterable<{ service: string }>,
      _ctx: unknown,
      send: (m: Instance) => Promise<void>,
    ) {
      for await (const r of reqs) await send(instance(r.service));
    },
  };
  server.add(Echo, echo as unknown as ServiceImpl<DescService>);
  const port = await server.listen();
  expect(port).toBeGreaterThan(0);
  address = `127.0.0.1:${port}`;
  expect(server.address).toBe(address);
});

afterAll(async () => {
  await server?.close(1_000);
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

async function rejection(p: Promise<unknown>): Promise<VisError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VisError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("rpc over real sockets", () => {
  it("serves a unary call", async () => {
    const admin = createRpcClient(Admin, { address });
    try {
      const info = await admin.getInfo({}, { metadata: { "x-request-id": "r-1" } });
      expect(lastRequestId).toBe("r-1");
      expect(info.service).toBe("test");
      expect(info.pid).toBe(process.pid);
      expect(info.grpcAddress).toBe(address);
      expect(info.dependencies[0]?.state).toBe(DependencyState.CONNECTED);
    } finally {
      admin.close();
    }
  });

  it("refuses an invalid request with invalid_argument naming the field", async () => {
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      const err = await rejection(monitor.listInstances({ service: "Not A Service" }));
      expect(err.code).toBe("invalid_argument");
      expect(err.field).toBe("service");
      expect(err.message).toMatch(/^service: does not match regex pattern/);
    } finally {
      monitor.close();
    }
  });

  it("returns a handler's VisError with code, message, field and article", async () => {
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      const err = await rejection(monitor.listInstances({ service: "refused" }));
      expect(err.toJSON()).toEqual({
        code: "permission_denied",
        message: "private place",
        field: "service",
        article: "Art. 9",
      });
    } finally {
      monitor.close();
    }
  });

  it("hides a plain Error as internal and logs its cause", async () => {
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      const err = await rejection(monitor.listInstances({ service: "crash" }));
      expect(err.toJSON()).toEqual({ code: "internal", message: "internal error" });
      const entry = logged.find(
        (l) => l.level === "error" && JSON.stringify(l.obj).includes("ListInstances"),
      );
      const cause = (entry?.obj as { err?: Error } | undefined)?.err;
      expect(cause?.message).toContain("hunter2");
    } finally {
      monitor.close();
    }
  });

  it("fails with deadline_exceeded and aborts the handler's signal", async () => {
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      const started = Date.now();
      const err = await rejection(monitor.listInstances({ service: "slow" }, { deadlineMs: 200 }));
      expect(err.code).toBe("deadline_exceeded");
      expect(Date.now() - started).toBeLessThan(2_000);
      const reason = await slowCallAborted;
      expect(reason).toBeInstanceOf(VisError);
    } finally {
      monitor.close();
    }
  });

  it("cancels a call when the caller's signal aborts", async () => {
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      const abort = new AbortController();
      const pending = monitor.listInstances(
        { service: "slow" },
        { signal: abort.signal, deadlineMs: 5_000 },
      );
      setTimeout(() => abort.abort(), 50);
      expect((await rejection(pending)).code).toBe("canceled");
    } finally {
      monitor.close();
    }
  });

  it("reports an unreachable address as unavailable", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const nowhere = `127.0.0.1:${port}`;
    const admin = createRpcClient(Admin, { address: nowhere, deadlineMs: 2_000 });
    try {
      const err = await rejection(admin.getInfo({}));
      expect(err.code).toBe("unavailable");
      expect(err.message).toContain(nowhere);
    } finally {
      admin.close();
    }
  });
});

describe("streaming kinds", () => {
  const client = () =>
    createRpcClient(Echo, { address }) as unknown as {
      stream(req: object): AsyncIterable<{ service: string }>;
      collect(reqs: AsyncIterable<object>): Promise<{ instances: { service: string }[] }>;
      chat(reqs: AsyncIterable<object>): AsyncIterable<{ service: string }>;
      close(): void;
    };
  async function* requests(...services: string[]) {
    for (const service of services) yield { service };
  }
  async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  it("server-streams responses", async () => {
    const echo = client();
    try {
      expect((await collect(echo.stream({ service: "registry" }))).map((i) => i.service)).toEqual([
        "first",
        "registry",
      ]);
    } finally {
      echo.close();
    }
  });

  it("ends a server stream with the handler's error, after the messages already sent", async () => {
    const echo = client();
    try {
      const seen: string[] = [];
      const failing = (async () => {
        for await (const i of echo.stream({ service: "refused" })) seen.push(i.service);
      })();
      const err = await rejection(failing);
      expect(seen).toEqual(["first"]);
      expect(err.toJSON()).toEqual({
        code: "not_found",
        message: "no such thing",
        field: "service",
      });
      const crash = await rejection(collect(echo.stream({ service: "crash" })));
      expect(crash.toJSON()).toEqual({ code: "internal", message: "internal error" });
    } finally {
      echo.close();
    }
  });

  it("client-streams requests, validating each", async () => {
    const echo = client();
    try {
      const res = await echo.collect(requests("registry", "gateway"));
      expect(res.instances.map((i) => i.service)).toEqual(["registry", "gateway"]);
      const err = await rejection(echo.collect(requests("registry", "BAD")));
      expect(err.code).toBe("invalid_argument");
      expect(err.field).toBe("service");
    } finally {
      echo.close();
    }
  });

  it("runs bidi streams", async () => {
    const echo = client();
    try {
      const out = await collect(echo.chat(requests("a", "b", "c")));
      expect(out.map((i) => i.service)).toEqual(["a", "b", "c"]);
    } finally {
      echo.close();
    }
  });
});

describe("standard health", () => {
  it("answers Check for the server, added services, and unknown names", async () => {
    expect(await checkHealth(address)).toBe("SERVING");
    expect(await checkHealth(address, "vis.ops.v1.Admin")).toBe("SERVING");
    expect(await checkHealth(address, "no.such.Service")).toBe("SERVICE_UNKNOWN");
    const health = createRpcClient(Health, { address });
    try {
      expect((await rejection(health.check({ service: "no.such.Service" }))).code).toBe(
        "not_found",
      );
    } finally {
      health.close();
    }
  });

  it("streams SERVING → NOT_SERVING to a Watch", async () => {
    const health = createRpcClient(Health, { address, deadlineMs: 10_000 });
    try {
      const seen: string[] = [];
      for await (const res of health.watch({ service: "vis.health.v1.HealthMonitor" })) {
        seen.push(String(res.status));
        if (seen.length === 1) server.health.set("vis.health.v1.HealthMonitor", "NOT_SERVING");
        else break;
      }
      expect(seen).toEqual(["1", "2"]); // SERVING, NOT_SERVING
      expect(await checkHealth(address, "vis.health.v1.HealthMonitor")).toBe("NOT_SERVING");
      server.health.set("vis.health.v1.HealthMonitor", "SERVING");

      const unknown = health.watch({ service: "later" })[Symbol.asyncIterator]();
      expect((await unknown.next()).value?.status).toBe(3); // SERVICE_UNKNOWN, stream stays open
      await unknown.return?.();
    } finally {
      health.close();
    }
  });
});

describe("server reflection", () => {
  it("lists the services, health and reflection included", async () => {
    const services = await listServices(address);
    expect(services).toEqual(
      expect.arrayContaining([
        "vis.ops.v1.Admin",
        "vis.health.v1.HealthMonitor",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it("returns decodable descriptors for file_containing_symbol (v1 and v1alpha)", async () => {
    for (const service of [ServerReflection, ServerReflectionV1alpha] as const) {
      const reflection = createRpcClient(service as typeof ServerReflection, { address });
      try {
        async function* ask() {
          yield {
            messageRequest: { case: "fileContainingSymbol" as const, value: "vis.ops.v1.Admin" },
          };
          yield {
            messageRequest: { case: "fileContainingSymbol" as const, value: "no.such.Symbol" },
          };
        }
        const answers = [];
        for await (const res of reflection.serverReflectionInfo(ask())) answers.push(res);
        const first = answers[0]?.messageResponse;
        if (first?.case !== "fileDescriptorResponse") throw new Error(`unexpected ${first?.case}`);
        const files: FileDescriptorProto[] = first.value.fileDescriptorProto.map((b) =>
          fromBinary(FileDescriptorProtoSchema, b),
        );
        expect(files[0]?.name).toBe("vis/ops/v1/admin.proto");
        const byName = new Map(files.map((f) => [f.name, f]));
        const [admin] = files;
        if (!admin) throw new Error("no files");
        const registry = createFileRegistry(admin, (name) => byName.get(name));
        expect(registry.getService("vis.ops.v1.Admin")?.methods.map((m) => m.name)).toEqual([
          "GetInfo",
        ]);
        const second = answers[1]?.messageResponse;
        expect(second?.case).toBe("errorResponse");
        expect(second?.case === "errorResponse" && second.value.errorCode).toBe(5); // NOT_FOUND
      } finally {
        reflection.close();
      }
    }
  });
});

describe("tracing", () => {
  it("makes the server span a child of the client span, with the same trace", async () => {
    exporter.reset();
    const admin = createRpcClient(Admin, { address });
    try {
      await trace.getTracer("test").startActiveSpan("caller", async (outer) => {
        await admin.getInfo({});
        outer.end();
      });
    } finally {
      admin.close();
    }
    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find(
      (s) => s.kind === SpanKind.CLIENT && s.name === "/vis.ops.v1.Admin/GetInfo",
    );
    const serverSpan = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.name === "/vis.ops.v1.Admin/GetInfo",
    );
    const outer = spans.find((s) => s.name === "caller");
    if (!clientSpan || !serverSpan || !outer)
      throw new Error(`spans missing: ${spans.map((s) => s.name)}`);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(clientSpan.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(handlerSpanId).toBe(serverSpan.spanContext().spanId);
    expect(clientSpan.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "vis.ops.v1.Admin",
      "rpc.method": "GetInfo",
      "rpc.grpc.status_code": 0,
    });
  });

  it("marks failed calls as errors on both sides", async () => {
    exporter.reset();
    const monitor = createRpcClient(HealthMonitor, { address });
    try {
      await rejection(monitor.listInstances({ service: "refused" }));
    } finally {
      monitor.close();
    }
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.name === "/vis.health.v1.HealthMonitor/ListInstances");
    expect(spans.map((s) => s.kind).sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
    for (const s of spans) {
      expect(s.status.code).toBe(2); // ERROR
      expect(s.attributes["rpc.grpc.status_code"]).toBe(7);
    }
  });
});

describe("shutdown", () => {
  it("ends Watch streams with NOT_SERVING and closes promptly", async () => {
    const own = createRpcServer({ logger });
    const port = await own.listen();
    const health = createRpcClient(Health, { address: `127.0.0.1:${port}`, deadlineMs: 10_000 });
    try {
      const seen: number[] = [];
      let firstSeen: () => void = () => {};
      const first = new Promise<void>((resolve) => {
        firstSeen = resolve;
      });
      const watching = (async () => {
        for await (const res of health.watch({ service: "" })) {
          seen.push(res.status);
          firstSeen();
        }
      })();
      await first;
      const started = Date.now();
      await own.close(5_000);
      await watching;
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(seen).toEqual([1, 2]); // SERVING, then NOT_SERVING at shutdown
    } finally {
      health.close();
    }
  });

  it("cuts calls still running after the grace period and aborts their handlers", async () => {
    const own = createRpcServer({ logger });
    let aborted: Promise<unknown> = Promise.resolve();
    own.add(
      HealthMonitor,
      someMethods(HealthMonitor, {
        listInstances(_req, ctx) {
          aborted = new Promise((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason)),
          );
          return new Promise(() => {}); // never answers
        },
      }),
    );
    const port = await own.listen();
    const monitor = createRpcClient(HealthMonitor, {
      address: `127.0.0.1:${port}`,
      deadlineMs: 10_000,
    });
    try {
      const pending = rejection(monitor.listInstances({}));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await own.close(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await pending).code).toMatch(/^(unavailable|canceled)$/);
      expect(await aborted).toBeInstanceOf(VisError);
    } finally {
      monitor.close();
    }
  });
});
