import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { AgencyKind, AgencySchema } from "@vis/proto/vis/registry/v1/model_pb";
import type {
  CreateAgencyRequest,
  ListAgenciesRequest,
  UpdateAgencyRequest,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { key } from "../projection/indexes.ts";
import { tokens } from "../projection/tokens.ts";
import { type Deps, mustGet, newId, read, writeEntity } from "./context.ts";

export async function createAgency(deps: Deps, req: CreateAgencyRequest) {
  const a = create(AgencySchema, req.agency);
  if (a.id === "") a.id = newId("agency");
  if (a.parentAgencyId !== "")
    await mustGet(deps, "agency", a.parentAgencyId, "agency.parent_agency_id");
  return { agency: await writeEntity(deps, "agency", a, "created", req.actor) };
}

export async function updateAgency(deps: Deps, req: UpdateAgencyRequest) {
  const a = create(AgencySchema, req.agency);
  if (a.id === "")
    throw new VisError("invalid_argument", "agency.id: required on update", { field: "agency.id" });
  const current = await deps.records.get("agency", a.id);
  if (!current) throw new VisError("not_found", `no agency "${a.id}"`, { field: "agency.id" });
  if (a.parentAgencyId !== "")
    await mustGet(deps, "agency", a.parentAgencyId, "agency.parent_agency_id");
  a.createdAt = current.entity.createdAt;
  return {
    agency: await writeEntity(deps, "agency", a, "updated", req.actor, Number(req.expectedVersion)),
  };
}

export async function getAgency(deps: Deps, id: string) {
  return { agency: await read(deps, "agency", id) };
}

export async function listAgencies(deps: Deps, req: ListAgenciesRequest) {
  const clauses: string[] = [];
  if (req.district) clauses.push(key.ix("agency", "district", req.district));
  if (req.kind !== AgencyKind.UNSPECIFIED) clauses.push(key.ix("agency", "kind", req.kind));
  for (const t of tokens(req.text)) clauses.push(key.ix("agency", "tok", t));
  const page = await deps.queries.page("agency", clauses, req.cursor, req.pageSize);
  return {
    agencies: await deps.queries.docs("agency", page.ids),
    nextCursor: page.next,
    total: BigInt(page.total),
  };
}
