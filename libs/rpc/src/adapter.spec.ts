import { create } from "@bufbuild/protobuf";
import { Health } from "@vis/proto/grpc/health/v1/health_pb";
import { ServerReflection } from "@vis/proto/grpc/reflection/v1/reflection_pb";
import { Admin, GetInfoResponseSchema } from "@vis/proto/vis/ops/v1/admin_pb";
import { describe, expect, it } from "vitest";
import {
  deserializer,
  methodDefinition,
  methodPath,
  serializer,
  serviceDefinition,
} from "./adapter.ts";

describe("adapter", () => {
  it("builds gRPC paths from the package, service and method names", () => {
    expect(methodPath(Admin.method.getInfo)).toBe("/vis.ops.v1.Admin/GetInfo");
    expect(methodPath(Health.method.watch)).toBe("/grpc.health.v1.Health/Watch");
  });

  it("marks the streaming sides of each method kind", () => {
    const flags = (d: { requestStream: boolean; responseStream: boolean }) => [
      d.requestStream,
      d.responseStream,
    ];
    expect(flags(methodDefinition(Admin.method.getInfo))).toEqual([false, false]);
    expect(flags(methodDefinition(Health.method.watch))).toEqual([false, true]);
    expect(flags(methodDefinition(ServerReflection.method.serverReflectionInfo))).toEqual([
      true,
      true,
    ]);
  });

  it("keys the service definition by proto method name", () => {
    const def = serviceDefinition(Health);
    expect(Object.keys(def).sort()).toEqual(["Check", "List", "Watch"]);
    expect(def.Check?.originalName).toBe("check");
  });

  it("round-trips messages through the wire serializers", () => {
    const msg = create(GetInfoResponseSchema, {
      service: "registry",
      pid: 42,
      dependencies: [{ name: "nats" }],
    });
    const bytes = serializer(GetInfoResponseSchema)(msg);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    const back = deserializer(GetInfoResponseSchema)(bytes);
    expect(back.service).toBe("registry");
    expect(back.pid).toBe(42);
    expect(back.dependencies[0]?.name).toBe("nats");
  });
});
