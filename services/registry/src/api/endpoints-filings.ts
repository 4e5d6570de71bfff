import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import {
  EndpointSchema,
  FilingKind,
  FilingSchema,
  Lifecycle,
  ObligationState,
  type VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import type {
  CreateEndpointRequest,
  FileRecordRequest,
  ListEndpointsRequest,
  ListFilingsRequest,
  ListObligationsRequest,
  UpdateEndpointRequest,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { dayNumber, todayCst } from "../domain/dates.ts";
import { obligations } from "../domain/obligations.ts";
import { key } from "../projection/indexes.ts";
import type { Clause } from "../projection/queries.ts";
import { type Deps, mustGet, newId, read, writeEntity } from "./context.ts";
import { filingsOf, systemClauses } from "./systems.ts";

export async function createEndpoint(deps: Deps, req: CreateEndpointRequest) {
  const e = create(EndpointSchema, req.endpoint);
  if (e.id === "") e.id = newId("endpoint");
  e.hasCredentials = false;
  await mustGet(deps, "system", e.systemId, "endpoint.system_id");
  return { endpoint: await writeEntity(deps, "endpoint", e, "created", req.actor) };
}

export async function updateEndpoint(deps: Deps, req: UpdateEndpointRequest) {
  const e = create(EndpointSchema, req.endpoint);
  const current = await deps.records.get("endpoint", e.id);
  if (!current) throw new VisError("not_found", `no endpoint "${e.id}"`, { field: "endpoint.id" });
  await mustGet(deps, "system", e.systemId, "endpoint.system_id");
  if (e.credentialRef === "" && req.keepCredentials) e.credentialRef = current.entity.credentialRef;
  e.hasCredentials = false;
  e.createdAt = current.entity.createdAt;
  return {
    endpoint: await writeEntity(
      deps,
      "endpoint",
      e,
      "updated",
      req.actor,
      Number(req.expectedVersion),
    ),
  };
}

export async function getEndpoint(deps: Deps, id: string) {
  return { endpoint: await read(deps, "endpoint", id) };
}

export async function listEndpoints(deps: Deps, req: ListEndpointsRequest) {
  const clauses: Clause[] = req.systemId ? [key.ix("endpoint", "system", req.systemId)] : [];
  const page = await deps.queries.page("endpoint", clauses, req.cursor, req.pageSize);
  return {
    endpoints: await deps.queries.docs("endpoint", page.ids),
    nextCursor: page.next,
    total: BigInt(page.total),
  };
}

export async function fileRecord(deps: Deps, req: FileRecordRequest) {
  const f = create(FilingSchema, req.filing);
  if (f.id === "") f.id = newId("filing");
  const today = todayCst(deps.clock());
  if (f.filedDate === "") f.filedDate = today;
  dayNumber(f.filedDate, "filing.filed_date");
  if (f.filedDate > today)
    throw new VisError("invalid_argument", `filing.filed_date: ${f.filedDate} is in the future`, {
      field: "filing.filed_date",
    });
  const system = await mustGet(deps, "system", f.systemId, "filing.system_id");
  if (f.policeStationId === "") f.policeStationId = system.entity.policeStationId;
  if (f.policeStationId !== "")
    await mustGet(deps, "agency", f.policeStationId, "filing.police_station_id");
  if (f.kind === FilingKind.DISMANTLING && system.entity.status !== Lifecycle.DISMANTLED)
    throw new VisError(
      "failed_precondition",
      "a dismantling filing needs a dismantled system (Art. 19)",
      {
        field: "filing.kind",
        article: "Art. 19",
      },
    );
  const filing = await writeEntity(deps, "filing", f, "recorded", req.actor);
  const all = [...(await filingsOf(deps, f.systemId)).filter((x) => x.id !== filing.id), filing];
  const obligation = obligations(system.entity, all, today, 7).find((o) => o.kind === f.kind);
  return { filing, obligation };
}

export async function listFilings(deps: Deps, req: ListFilingsRequest) {
  const clauses: Clause[] = [];
  if (req.systemId) clauses.push(key.ix("filing", "system", req.systemId));
  if (req.policeStationId) clauses.push(key.ix("filing", "station", req.policeStationId));
  const page = await deps.queries.page("filing", clauses, req.cursor, req.pageSize);
  return {
    filings: await deps.queries.docs("filing", page.ids),
    nextCursor: page.next,
    total: BigInt(page.total),
  };
}

/** Obligations (Art. 17–19) of the selected systems; overdue and due-soon unless other states are asked. */
export async function listObligations(deps: Deps, req: ListObligationsRequest) {
  const today = req.asOf === "" ? todayCst(deps.clock()) : req.asOf;
  dayNumber(today, "as_of");
  const states = new Set(
    req.states.length > 0 ? req.states : [ObligationState.OVERDUE, ObligationState.DUE_SOON],
  );
  const horizon = req.dueSoonDays === 0 ? 7 : req.dueSoonDays;
  const ids = (
    await deps.queries.page(
      "system",
      systemClauses({ district: req.district, policeStationId: req.policeStationId }),
      "",
      1_000_000,
    )
  ).ids;
  const out = [];
  const counts: Record<string, number> = {};
  for (let i = 0; i < ids.length; i += 500) {
    const systems: VideoSystem[] = await deps.queries.docs("system", ids.slice(i, i + 500));
    for (const s of systems) {
      const filings = await filingsOf(deps, s.id);
      for (const o of obligations(s, filings, today, horizon)) {
        if (!states.has(o.state)) continue;
        const k = `${o.district}/${o.policeStationId}/${ObligationState[o.state]?.toLowerCase()}`;
        counts[k] = (counts[k] ?? 0) + 1;
        out.push(o);
      }
    }
  }
  out.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.systemId.localeCompare(b.systemId));
  const limit = req.pageSize === 0 ? 1000 : req.pageSize;
  return { obligations: out.slice(0, limit), counts };
}
