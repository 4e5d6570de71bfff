import type { MessageInitShape } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { VisError } from "@vis/errors";
import type { HealthCheckResponseSchema } from "@vis/proto/grpc/health/v1/health_pb";
import { HealthCheckResponse_ServingStatus as Status } from "@vis/proto/grpc/health/v1/health_pb";
import { describe, expect, it } from "vitest";
import { HealthStore, healthImpl, servingStatusName } from "./health.ts";
import type { CallContext } from "./service-impl.ts";

function ctx(signal = new AbortController().signal): CallContext {
  return {
    method: "/grpc.health.v1.Health/Watch",
    metadata: new Metadata(),
    deadline: undefined,
    signal,
    peer: "test",
  };
}

describe("health (in memory)", () => {
  it("answers Check for known services and not_found otherwise", async () => {
    const store = new HealthStore();
    store.set("", "SERVING");
    const impl = healthImpl(store);
    expect(
      await impl.check({ $typeName: "grpc.health.v1.HealthCheckRequest", service: "" }, ctx()),
    ).toEqual({
      status: Status.SERVING,
    });
    await expect(
      impl.check({ $typeName: "grpc.health.v1.HealthCheckRequest", service: "nope" }, ctx()),
    ).rejects.toBeInstanceOf(VisError);
  });

  it("streams the current status, then changes, and ends on shutdown", async () => {
    const store = new HealthStore();
    store.set("svc", "SERVING");
    const seen: string[] = [];
    const send = async (m: MessageInitShape<typeof HealthCheckResponseSchema>) => {
      seen.push(servingStatusName(m.status ?? Status.UNKNOWN));
    };
    const watching = healthImpl(store).watch(
      { $typeName: "grpc.health.v1.HealthCheckRequest", service: "svc" },
      ctx(),
      send,
    );
    store.set("svc", "SERVING"); // no change, no message
    store.set("svc", "NOT_SERVING");
    store.set("other", "NOT_SERVING");
    store.shutdown();
    await watching;
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
  });

  it("reports SERVICE_UNKNOWN to a watcher until the service appears", async () => {
    const store = new HealthStore();
    const seen: string[] = [];
    const abort = new AbortController();
    const watching = healthImpl(store).watch(
      { $typeName: "grpc.health.v1.HealthCheckRequest", service: "late" },
      ctx(abort.signal),
      async (m) => {
        seen.push(servingStatusName(m.status ?? Status.UNKNOWN));
      },
    );
    store.set("late", "SERVING");
    abort.abort();
    await watching;
    expect(seen).toEqual(["SERVICE_UNKNOWN", "SERVING"]);
  });
});
