import { defineEvent, type StreamSpec } from "@vis/bus";
import { InstanceStartedSchema, InstanceStoppingSchema } from "@vis/proto/vis/ops/v1/instance_pb";

/** The stream of service-instance lifecycle events (`vis.<service>.instance.<event>`). */
export const OPS_STREAM: StreamSpec = {
  name: "VIS_OPS",
  subjects: ["vis.*.instance.*"],
  maxAgeMs: 7 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
  discard: "old",
  denyDelete: true,
  denyPurge: false,
  storage: "file",
};

export const instanceStarted = (service: string) =>
  defineEvent({
    subject: `vis.${service}.instance.started`,
    schema: InstanceStartedSchema,
    stream: OPS_STREAM.name,
  });

export const instanceStopping = (service: string) =>
  defineEvent({
    subject: `vis.${service}.instance.stopping`,
    schema: InstanceStoppingSchema,
    stream: OPS_STREAM.name,
  });
