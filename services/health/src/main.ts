import { trace } from "@opentelemetry/api";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { InstanceStartedSchema, InstanceStoppingSchema } from "@vis/proto/vis/ops/v1/instance_pb";
import { OPS_STREAM, runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { InstanceDirectory } from "./instance-directory.ts";

// The health monitor: status of cameras, endpoints, systems and agencies, incidents and
// time-to-repair (Art. 21). It starts by watching the hub's own service instances.
await runService({
  name: "health",
  version: pkg.version,
  config: {},
  grpcServices: [HealthMonitor.typeName],
  start: async ({ bus, store, rpc }) => {
    const directory = new InstanceDirectory(store.redis);
    const traceId = () => trace.getActiveSpan()?.spanContext().traceId ?? "";
    const started = await bus.consume(
      {
        stream: OPS_STREAM.name,
        filterSubject: "vis.*.instance.started",
        schema: InstanceStartedSchema,
      },
      {
        durable: "health-instance-started",
        handler: (e, info) => directory.started(e, info.time, traceId()),
      },
    );
    const stopping = await bus.consume(
      {
        stream: OPS_STREAM.name,
        filterSubject: "vis.*.instance.stopping",
        schema: InstanceStoppingSchema,
      },
      {
        durable: "health-instance-stopping",
        handler: (e, info) => directory.stopping(e, info.time),
      },
    );
    rpc.add(HealthMonitor, {
      listInstances: async (req) => ({ instances: await directory.list(req.service) }),
    });
    return async () => {
      await Promise.all([started.stop(), stopping.stop()]);
    };
  },
});
