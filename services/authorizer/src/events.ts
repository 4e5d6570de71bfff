import { defineEvent, type StreamSpec } from "@vis/bus";
import { GrantRevokedEventSchema } from "@vis/proto/vis/access/v1/events_pb";

/** Access events for other services (gateways end sessions on revocation). */
export const ACCESS_STREAM: StreamSpec = {
  name: "VIS_ACCESS",
  subjects: ["vis.access.grant.*"],
  maxAgeMs: 31 * 86_400_000,
  duplicateWindowMs: 120_000,
  discard: "old",
  denyDelete: true,
  denyPurge: true,
  storage: "file",
};

export const grantRevoked = defineEvent({
  subject: "vis.access.grant.revoked",
  schema: GrantRevokedEventSchema,
  stream: ACCESS_STREAM.name,
});
