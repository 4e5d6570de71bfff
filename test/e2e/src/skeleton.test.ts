import { HealthMonitor, InstanceState } from "@vis/proto/vis/health/v1/monitor_pb";
import { Admin, DependencyState } from "@vis/proto/vis/ops/v1/admin_pb";
import { checkHealth, createRpcClient, listServices } from "@vis/rpc";
import { startServiceProcess } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  type Hub,
  pidAlive,
  SERVICE_NAMES,
  serviceEntry,
  serviceEnv,
  startHub,
} from "./hub-fixture.ts";

// The walking skeleton: four service processes against real nats-server and redis-server.
let hub: Hub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await Promise.allSettled(Object.values(hub?.services ?? {}).map((s) => s.stop()));
  await hub?.nats.stop();
  await hub?.redis.stop();
});

describe("walking skeleton", () => {
  it("every service reports SERVING over gRPC health and lists its API by reflection", async () => {
    for (const name of SERVICE_NAMES) {
      const address = hub.addresses[name];
      expect(await checkHealth(address)).toBe("SERVING");
      expect(await checkHealth(address, "vis.ops.v1.Admin")).toBe("SERVING");
      const services = await listServices(address);
      expect(services).toEqual(
        expect.arrayContaining(["grpc.health.v1.Health", "vis.ops.v1.Admin"]),
      );
      const admin = createRpcClient(Admin, { address });
      const info = await admin.getInfo({});
      admin.close();
      expect(info.service).toBe(name);
      expect(info.pid).toBe(hub.services[name].pid);
      expect(info.dependencies.map((d) => [d.name, d.state])).toEqual([
        ["nats", DependencyState.CONNECTED],
        ["redis", DependencyState.CONNECTED],
      ]);
    }
    expect(await checkHealth(hub.addresses.health, "vis.health.v1.HealthMonitor")).toBe("SERVING");
  });

  it("an event published by one service is consumed by another through JetStream, trace continued", async () => {
    const monitor = createRpcClient(HealthMonitor, { address: hub.addresses.health });
    await eventually("health to list all four instances", async () => {
      const { instances } = await monitor.listInstances({});
      return SERVICE_NAMES.every((s) =>
        instances.some((i) => i.service === s && i.state === InstanceState.UP),
      );
    });
    const { instances } = await monitor.listInstances({ service: "registry" });
    monitor.close();
    const registry = instances.find((i) => i.grpcAddress === hub.addresses.registry);
    expect(registry?.instanceId).toMatch(/^registry-/);

    // The registry's producer span and the health service's consumer span, from the exported spans.
    await eventually("the consumer span to be exported", () =>
      hub
        .spans()
        .some((s) => s.service === "health" && s.name === "process vis.registry.instance.started"),
    );
    const spans = hub.spans();
    const produced = spans.filter(
      (s) => s.service === "registry" && s.name === "publish vis.registry.instance.started",
    );
    const consumed = spans.filter(
      (s) => s.service === "health" && s.name === "process vis.registry.instance.started",
    );
    expect(produced).toHaveLength(1);
    const producer = produced[0];
    const consumer = consumed.find((c) => c.traceId === producer?.traceId);
    expect(consumer, "a consumer span in the producer's trace").toBeDefined();
    expect(consumer?.parentSpanId).toBe(producer?.spanId);
    // The trace id the health service recorded is the one the registry started.
    expect(registry?.traceId).toBe(producer?.traceId);
  });

  it("NOT_SERVING while NATS is lost, SERVING again after it is back, and events still flow", async () => {
    await hub.nats.kill("SIGKILL");
    const down = await eventually("all services NOT_SERVING", async () => {
      const states = await Promise.all(SERVICE_NAMES.map((n) => checkHealth(hub.addresses[n])));
      return states.every((s) => s === "NOT_SERVING");
    });
    await hub.nats.restart();
    const up = await eventually(
      "all services SERVING",
      async () => {
        const states = await Promise.all(SERVICE_NAMES.map((n) => checkHealth(hub.addresses[n])));
        return states.every((s) => s === "SERVING");
      },
      30_000,
    );
    expect(down).toBeLessThan(15_000);
    expect(up).toBeLessThan(30_000);

    // After the reconnect, a new instance's announcement still reaches the health service.
    const second = await startServiceProcess({
      name: "registry-2",
      entry: serviceEntry("registry"),
      env: serviceEnv(hub.nats, hub.redis, hub.traceFile("registry-2")),
    });
    const monitor = createRpcClient(HealthMonitor, { address: hub.addresses.health });
    await eventually("health to list the second registry instance", async () => {
      const { instances } = await monitor.listInstances({ service: "registry" });
      return instances.some(
        (i) => i.grpcAddress === second.ready.grpc && i.state === InstanceState.UP,
      );
    });
    expect((await second.stop()).code).toBe(0);
    await eventually("health to see the second registry instance stop", async () => {
      const { instances } = await monitor.listInstances({ service: "registry" });
      return instances.some(
        (i) => i.grpcAddress === second.ready.grpc && i.state === InstanceState.STOPPED,
      );
    });
    monitor.close();
  });

  it("NOT_SERVING while Redis is lost, SERVING again after it is back", async () => {
    await hub.redis.kill("SIGKILL");
    await eventually("all services NOT_SERVING", async () => {
      const states = await Promise.all(SERVICE_NAMES.map((n) => checkHealth(hub.addresses[n])));
      return states.every((s) => s === "NOT_SERVING");
    });
    await hub.redis.restart();
    await eventually(
      "all services SERVING",
      async () => {
        const states = await Promise.all(SERVICE_NAMES.map((n) => checkHealth(hub.addresses[n])));
        return states.every((s) => s === "SERVING");
      },
      30_000,
    );
    // Redis kept the projection (AOF): the instances are still listed after its restart.
    const monitor = createRpcClient(HealthMonitor, { address: hub.addresses.health });
    const { instances } = await monitor.listInstances({});
    monitor.close();
    expect(new Set(instances.map((i) => i.service))).toEqual(new Set(SERVICE_NAMES));
    expect(
      instances
        .filter((i) => i.state === InstanceState.UP)
        .map((i) => i.service)
        .sort(),
    ).toEqual([...SERVICE_NAMES].sort());
  });

  it("SIGTERM stops every service within a few seconds and leaves no process behind", async () => {
    const pids = SERVICE_NAMES.map((n) => hub.services[n].pid);
    const exits = await Promise.all(
      SERVICE_NAMES.map((n) => hub.services[n].stop("SIGTERM", 10_000)),
    );
    for (const exit of exits) {
      expect(exit.code).toBe(0);
      expect(exit.signal).toBeNull();
      expect(exit.ms).toBeLessThan(5000);
    }
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    for (const name of SERVICE_NAMES) {
      expect(hub.services[name].logs.some((l) => l.event === "stopped")).toBe(true);
    }
  });
});
