import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { type Bus, defineEvent, type EventType, type StreamSpec } from "@vis/bus";
import {
  AgencyEventSchema,
  CameraEventSchema,
  EndpointEventSchema,
  FilingEventSchema,
  SystemEventSchema,
} from "@vis/proto/vis/registry/v1/events_pb";
import type {
  Agency,
  Camera,
  Endpoint,
  Filing,
  VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import type { Record as RecordMsg } from "@vis/proto/vis/registry/v1/record_pb";
import { systemShareable } from "../domain/rules.ts";
import { entityOf, type Kind, publicForm } from "./kinds.ts";

/** Registry events: `vis.registry.<entity>.<event>`, full state, kept until limits (no age limit). */
export const REGISTRY_STREAM: StreamSpec = {
  name: "VIS_REGISTRY",
  subjects: [
    "vis.registry.agency.*",
    "vis.registry.system.*",
    "vis.registry.camera.*",
    "vis.registry.endpoint.*",
    "vis.registry.filing.*",
  ],
  maxAgeMs: 0,
  duplicateWindowMs: 10 * 60_000,
  discard: "old",
  denyDelete: true,
  denyPurge: true,
  storage: "file",
};

const SCHEMA: Record<Kind, DescMessage> = {
  agency: AgencyEventSchema,
  system: SystemEventSchema,
  camera: CameraEventSchema,
  endpoint: EndpointEventSchema,
  filing: FilingEventSchema,
};

const types = new Map<string, EventType>();
/** The typed event for `vis.registry.<kind>.<event>`. */
export function registryEvent(kind: Kind, event: string): EventType {
  const subject = `vis.registry.${kind}.${event}`;
  let t = types.get(subject);
  if (!t) {
    t = defineEvent({ subject, schema: SCHEMA[kind], stream: REGISTRY_STREAM.name });
    types.set(subject, t);
  }
  return t;
}

/** `<entity>:<id>:<version>`: the event id and Nats-Msg-Id, so a re-published event is stored once. */
export const eventId = (kind: Kind, id: string, revision: number) => `${kind}:${id}:${revision}`;

/** Publishes the event a record announces, with the entity's full public state at that revision. */
export async function publishRecordEvent(
  bus: Bus,
  kind: Kind,
  id: string,
  revision: number,
  record: RecordMsg,
  instanceId: string,
): Promise<void> {
  const entity = entityOf(kind, record);
  if (!entity) return;
  const pub = publicForm(kind, entity, revision);
  const meta = {
    id: eventId(kind, id, revision),
    time: record.meta?.time ?? { seconds: 0n, nanos: 0 },
    actor: record.meta?.actor ?? { service: "registry" },
    sourceInstance: instanceId,
  };
  let payload: Record<string, unknown>;
  switch (kind) {
    case "agency":
      payload = { meta, agency: pub as Agency };
      break;
    case "system":
      payload = {
        meta,
        system: pub as VideoSystem,
        shareable: systemShareable(pub as VideoSystem).ok,
      };
      break;
    case "camera":
      payload = { meta, camera: pub as Camera };
      break;
    case "endpoint":
      payload = { meta, endpoint: pub as Endpoint };
      break;
    case "filing":
      payload = { meta, filing: pub as Filing };
      break;
  }
  const event = record.event === "" ? "updated" : record.event;
  await bus.publish(registryEvent(kind, event), payload as MessageInitShape<DescMessage>, {
    msgId: meta.id,
  });
}
