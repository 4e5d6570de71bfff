import { clone } from "@bufbuild/protobuf";
import type {
  Agency,
  Camera,
  Endpoint,
  Filing,
  VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import {
  AgencySchema,
  CameraSchema,
  EndpointSchema,
  FilingSchema,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import type { Record as RecordMsg } from "@vis/proto/vis/registry/v1/record_pb";

/** The entity kinds; each has its own KV bucket (the record), events and projection. */
export const KINDS = ["agency", "system", "camera", "endpoint", "filing"] as const;
export type Kind = (typeof KINDS)[number];

export interface EntityOf {
  agency: Agency;
  system: VideoSystem;
  camera: Camera;
  endpoint: Endpoint;
  filing: Filing;
}
export type AnyEntity = EntityOf[Kind];

export const BUCKET: Record<Kind, string> = {
  agency: "registry_agencies",
  system: "registry_systems",
  camera: "registry_cameras",
  endpoint: "registry_endpoints",
  filing: "registry_filings",
};
/** The stream behind each bucket (JetStream KV convention). */
export const bucketStream = (kind: Kind) => `KV_${BUCKET[kind]}`;

export const ID_PREFIX: Record<Kind, string> = {
  agency: "ag",
  system: "sys",
  camera: "cam",
  endpoint: "ep",
  filing: "fil",
};

const CASE = {
  agency: "agency",
  system: "system",
  camera: "camera",
  endpoint: "endpoint",
  filing: "filing",
} as const satisfies Record<Kind, RecordMsg["entity"]["case"] & string>;

/** The entity held by a record, typed by kind; undefined when the record holds another kind. */
export function entityOf<K extends Kind>(kind: K, record: RecordMsg): EntityOf[K] | undefined {
  return record.entity.case === CASE[kind] ? (record.entity.value as EntityOf[K]) : undefined;
}

export function recordEntity<K extends Kind>(kind: K, value: EntityOf[K]): RecordMsg["entity"] {
  return { case: CASE[kind], value } as RecordMsg["entity"];
}

/** The public form of an entity read from the record: version set, secrets removed. */
export function publicForm<K extends Kind>(
  kind: K,
  value: EntityOf[K],
  version: number,
): EntityOf[K] {
  const schema = {
    agency: AgencySchema,
    system: VideoSystemSchema,
    camera: CameraSchema,
    endpoint: EndpointSchema,
    filing: FilingSchema,
  }[kind];
  const copy = clone(schema as typeof AgencySchema, value as Agency) as unknown as EntityOf[K];
  copy.version = BigInt(version);
  if (kind === "endpoint") {
    const ep = copy as Endpoint;
    ep.hasCredentials = ep.credentialRef !== "";
    ep.credentialRef = "";
  }
  return copy;
}
