import { defineEvent, type StreamSpec } from "@vis/bus";
import { IncidentEventSchema, StatusChangedSchema } from "@vis/proto/vis/health/v1/events_pb";

/** The health monitor's events: status changes and incident life cycles. */
export const HEALTH_STREAM: StreamSpec = {
  name: "VIS_HEALTH",
  subjects: ["vis.health.status.*", "vis.health.incident.*"],
  maxAgeMs: 90 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
  discard: "old",
  denyDelete: true,
  denyPurge: false,
  storage: "file",
};

export const statusChanged = defineEvent({
  subject: "vis.health.status.changed",
  schema: StatusChangedSchema,
  stream: HEALTH_STREAM.name,
});

export const incidentEvent = (change: "opened" | "updated" | "closed") =>
  defineEvent({
    subject: `vis.health.incident.${change}`,
    schema: IncidentEventSchema,
    stream: HEALTH_STREAM.name,
  });

/** Core NATS subject the gateways publish stream stats on (issue #5). */
export const GATEWAY_STATS_SUBJECT = "vis.gateway.stream.stats";
