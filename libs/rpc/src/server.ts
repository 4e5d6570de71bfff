import { createRegistry, type DescFile, type DescService } from "@bufbuild/protobuf";
import {
  type ChannelOptions,
  Server,
  ServerCredentials,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { VisError } from "@vis/errors";
import { Health } from "@vis/proto/grpc/health/v1/health_pb";
import { ServerReflection } from "@vis/proto/grpc/reflection/v1/reflection_pb";
import { ServerReflection as ServerReflectionV1alpha } from "@vis/proto/grpc/reflection/v1alpha/reflection_pb";
import { serviceDefinition } from "./adapter.ts";
import { grpcHandler, type HandlerEnv } from "./handlers.ts";
import { type HealthStatus, HealthStore, healthImpl } from "./health.ts";
import { type RpcLogger, silentLogger } from "./logger.ts";
import { reflectionImpl, reflectionV1alphaImpl } from "./reflection.ts";
import { ReflectionIndex } from "./reflection-index.ts";
import type { ServiceImpl } from "./service-impl.ts";
import { durationHistogram } from "./telemetry.ts";
import { createRequestValidator } from "./validation.ts";

export interface RpcServerOptions {
  /** Interface to bind; default `127.0.0.1` (loopback). */
  host?: string;
  /** Port to bind; default 0 = a free port, reported by `listen()`. */
  port?: number;
  logger?: RpcLogger;
  /** Default: insecure (plaintext). */
  credentials?: ServerCredentials;
  channelOptions?: ChannelOptions;
}

export interface RpcServer {
  /** Serves a generated service; every method needs a handler. Only before `listen()`. */
  add<S extends DescService>(service: S, impl: ServiceImpl<S>): void;
  /** The standard health statuses; `""` and every added service start SERVING. */
  readonly health: HealthStatus;
  /** Binds and starts serving; resolves with the bound port. */
  listen(): Promise<number>;
  /** `host:port` once listening. */
  readonly address: string | undefined;
  /** Health goes NOT_SERVING, then a graceful shutdown; calls still open after `graceMs` are cut. */
  close(graceMs?: number): Promise<void>;
}

/**
 * A gRPC server for protobuf-es services, with request validation (protovalidate), error mapping,
 * tracing and metrics on every call, and the standard health and reflection services built in.
 */
export function createRpcServer(options: RpcServerOptions = {}): RpcServer {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VisError(
      "invalid_argument",
      "rpc server: 'port' must be an integer from 0 to 65535",
      {
        field: "port",
      },
    );
  }
  const logger = options.logger ?? silentLogger;
  const grpcServer = new Server(options.channelOptions);
  const files: DescFile[] = [];
  let validator: ReturnType<typeof createRequestValidator> | undefined;
  const env: HandlerEnv = {
    // Built on first use, after every service is added, so predefined rules in any file resolve.
    validate: (schema, message) => {
      validator ??= createRequestValidator(createRegistry(...files));
      validator(schema, message);
    },
    logger,
    histogram: durationHistogram("server"),
  };
  const health = new HealthStore();
  const index = new ReflectionIndex();
  let address: string | undefined;
  let state: "new" | "listening" | "closed" = "new";

  function add<S extends DescService>(service: S, impl: ServiceImpl<S>): void {
    if (state !== "new") throw new Error(`rpc server: add(${service.typeName}) after listen()`);
    const handlers: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, unknown>)[method.localName];
      if (typeof fn !== "function") {
        throw new Error(`rpc server: ${service.typeName} has no handler for ${method.localName}`);
      }
      handlers[method.name] = grpcHandler(method, fn.bind(impl), env);
    }
    grpcServer.addService(serviceDefinition(service), handlers);
    files.push(service.file);
    index.addService(service);
    health.set(service.typeName, "SERVING");
  }

  health.set("", "SERVING");
  add(Health, healthImpl(health));
  add(ServerReflection, reflectionImpl(index));
  add(ServerReflectionV1alpha, reflectionV1alphaImpl(index));

  return {
    add,
    health,
    get address() {
      return address;
    },
    async listen() {
      if (state !== "new") throw new Error("rpc server: listen() called twice");
      state = "listening";
      const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
      const bound = await new Promise<number>((resolve, reject) => {
        grpcServer.bindAsync(
          target,
          options.credentials ?? ServerCredentials.createInsecure(),
          (err, p) => (err ? reject(err) : resolve(p)),
        );
      });
      address = `${host.includes(":") ? `[${host}]` : host}:${bound}`;
      logger.info({ address, services: index.services() }, "gRPC server listening");
      return bound;
    },
    async close(graceMs = 5_000) {
      if (state === "closed") return;
      state = "closed";
      health.shutdown();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn(
            { address, graceMs },
            "gRPC server: calls still open after grace, cutting them",
          );
          grpcServer.forceShutdown();
          resolve();
        }, graceMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      logger.info({ address }, "gRPC server closed");
    },
  };
}
