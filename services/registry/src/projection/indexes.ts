import { create, toBinary } from "@bufbuild/protobuf";
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
import type { EntityOf, Kind } from "../record/kinds.ts";
import { tokens } from "./tokens.ts";

/**
 * Redis layout of the projection (all rebuildable from the record):
 *   reg:doc:<kind>:<id>      the entity's public protobuf (version set, no secrets)
 *   reg:mem:<kind>:<id>      the index keys it is in (newline-separated), to move it on change
 *   reg:ix:<kind>:<f>:<v>    sorted set, score 0, members = ids: lexicographic order = stable paging
 *   reg:ckpt:<kind>          last record sequence projected (written in the same script as the data)
 *   reg:gen                  a fresh, never-reused value per projected chunk (cache key of composed searches)
 */
export const key = {
  doc: (kind: Kind, id: string) => `reg:doc:${kind}:${id}`,
  mem: (kind: Kind, id: string) => `reg:mem:${kind}:${id}`,
  ix: (kind: Kind, field: string, value: string | number | boolean) =>
    `reg:ix:${kind}:${field}:${String(value).toLowerCase()}`,
  all: (kind: Kind) => `reg:ix:${kind}:all:1`,
  ckpt: (kind: Kind) => `reg:ckpt:${kind}`,
  gen: "reg:gen",
};

/** The index keys an entity belongs to. */
export function indexKeys<K extends Kind>(kind: K, e: EntityOf[K]): string[] {
  const ix = (f: string, v: string | number | boolean) => key.ix(kind, f, v);
  const out = [key.all(kind)];
  const tok = (...t: string[]) => {
    for (const t1 of tokens(...t)) out.push(ix("tok", t1));
  };
  switch (kind) {
    case "agency": {
      const a = e as Agency;
      out.push(ix("district", a.district), ix("kind", a.kind));
      tok(a.id, a.name);
      break;
    }
    case "system": {
      const s = e as VideoSystem;
      out.push(
        ix("district", s.district),
        ix("category", s.siteCategory),
        ix("status", s.status),
        ix("agency", s.ownerAgencyId),
        ix("funding", s.funding),
      );
      if (s.policeStationId) out.push(ix("station", s.policeStationId));
      tok(s.id, s.name, s.description);
      break;
    }
    case "camera": {
      const c = e as Camera;
      out.push(ix("system", c.systemId), ix("loc", c.locationType));
      if (c.dismantledDate === "") {
        out.push(ix("active", 1));
        if (c.publicPlace) out.push(ix("public", 1));
        if (c.publicPlace && !c.signage) out.push(ix("nosign", 1));
      }
      tok(c.id, c.name, c.address, c.locationNote);
      break;
    }
    case "endpoint":
      out.push(ix("system", (e as Endpoint).systemId));
      break;
    case "filing": {
      const f = e as Filing;
      out.push(ix("system", f.systemId));
      if (f.policeStationId) out.push(ix("station", f.policeStationId));
      break;
    }
  }
  return [...new Set(out)];
}

const SCHEMAS = {
  agency: AgencySchema,
  system: VideoSystemSchema,
  camera: CameraSchema,
  endpoint: EndpointSchema,
  filing: FilingSchema,
};
export const schemaOf = (kind: Kind) => SCHEMAS[kind];

export function encodeDoc<K extends Kind>(kind: K, e: EntityOf[K]): Uint8Array {
  return toBinary(SCHEMAS[kind] as typeof AgencySchema, e as Agency);
}

export const emptyOf = <K extends Kind>(kind: K): EntityOf[K] =>
  create(SCHEMAS[kind] as typeof AgencySchema) as unknown as EntityOf[K];
