import { clone, create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import type { Actor } from "@vis/proto/vis/common/v1/event_pb";
import {
  AgencyKind,
  type Filing,
  Funding,
  Lifecycle,
  SharingSchema,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import type {
  CreateSystemRequest,
  DismantleSystemRequest,
  ListSystemsRequest,
  SetSharingRequest,
  SystemFilter,
  UpdateSystemRequest,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { dayNumber, todayCst } from "../domain/dates.ts";
import { obligations } from "../domain/obligations.ts";
import { checkSystem } from "../domain/rules.ts";
import { key } from "../projection/indexes.ts";
import type { Clause } from "../projection/queries.ts";
import { tokens } from "../projection/tokens.ts";
import { type Deps, mustGet, newId, read, writeEntity } from "./context.ts";

/** Checks a system's references and rules and fills defaults (district from the owner). */
export async function prepareSystem(
  deps: Deps,
  s: VideoSystem,
  previous?: VideoSystem,
): Promise<void> {
  const owner = await mustGet(deps, "agency", s.ownerAgencyId, "system.owner_agency_id");
  if (s.district === "") s.district = owner.entity.district;
  if (s.policeStationId !== "") {
    const station = await mustGet(deps, "agency", s.policeStationId, "system.police_station_id");
    if (station.entity.kind !== AgencyKind.POLICE_STATION)
      throw new VisError(
        "invalid_argument",
        `system.police_station_id: "${s.policeStationId}" is not a police station`,
        {
          field: "system.police_station_id",
        },
      );
  }
  checkSystem(s, previous);
}

export async function createSystem(deps: Deps, req: CreateSystemRequest) {
  const s = create(VideoSystemSchema, req.system);
  if (s.id === "") s.id = newId("system");
  await prepareSystem(deps, s);
  if (s.sharing?.optedIn) s.sharing.optedInAt = timestampNow();
  return { system: await writeEntity(deps, "system", s, "created", req.actor) };
}

function lifecycleEvent(before: Lifecycle, after: Lifecycle): string {
  if (before === after) return "updated";
  if (after === Lifecycle.ACCEPTED) return "accepted";
  if (after === Lifecycle.IN_SERVICE) return "in_service";
  return "updated";
}

export async function updateSystem(deps: Deps, req: UpdateSystemRequest) {
  const s = create(VideoSystemSchema, req.system);
  const current = await deps.records.get("system", s.id);
  if (!current) throw new VisError("not_found", `no system "${s.id}"`, { field: "system.id" });
  if (s.status === Lifecycle.DISMANTLED && current.entity.status !== Lifecycle.DISMANTLED)
    throw new VisError(
      "failed_precondition",
      "system.status: use DismantleSystem to dismantle a system (Art. 19)",
      {
        field: "system.status",
        article: "Art. 19",
      },
    );
  s.sharing = current.entity.sharing; // changed only through SetSharing
  s.createdAt = current.entity.createdAt;
  await prepareSystem(deps, s, current.entity);
  const event = lifecycleEvent(current.entity.status, s.status);
  return {
    system: await writeEntity(deps, "system", s, event, req.actor, Number(req.expectedVersion)),
  };
}

export async function getSystem(deps: Deps, id: string) {
  const system = await read(deps, "system", id);
  const filings = await filingsOf(deps, id);
  return { system, obligations: obligations(system, filings, todayCst(deps.clock()), 7) };
}

export async function filingsOf(deps: Deps, systemId: string): Promise<Filing[]> {
  return deps.queries.docs(
    "filing",
    await deps.queries.members(key.ix("filing", "system", systemId)),
  );
}

/** Index clauses of a system filter. */
export function systemClauses(f: Partial<SystemFilter> | undefined): Clause[] {
  const c: Clause[] = [];
  if (!f) return c;
  if (f.district) c.push(key.ix("system", "district", f.district));
  if (f.siteCategory) c.push(key.ix("system", "category", f.siteCategory));
  if (f.status) c.push(key.ix("system", "status", f.status));
  if (f.ownerAgencyId) c.push(key.ix("system", "agency", f.ownerAgencyId));
  if (f.funding) c.push(key.ix("system", "funding", f.funding));
  if (f.policeStationId) c.push(key.ix("system", "station", f.policeStationId));
  for (const t of tokens(f.text ?? "")) c.push(key.ix("system", "tok", t));
  return c;
}

export async function listSystems(deps: Deps, req: ListSystemsRequest) {
  const page = await deps.queries.page(
    "system",
    systemClauses(req.filter),
    req.cursor,
    req.pageSize,
  );
  return {
    systems: await deps.queries.docs("system", page.ids),
    nextCursor: page.next,
    total: BigInt(page.total),
  };
}

export async function dismantleSystem(deps: Deps, req: DismantleSystemRequest) {
  dayNumber(req.dismantledDate, "dismantled_date");
  const current = await mustGet(deps, "system", req.id, "id");
  if (current.entity.status === Lifecycle.DISMANTLED)
    throw new VisError("failed_precondition", `system "${req.id}" is already dismantled`, {
      field: "id",
    });
  const s = clone(VideoSystemSchema, current.entity);
  s.status = Lifecycle.DISMANTLED;
  s.dismantledDate = req.dismantledDate;
  if (s.sharing?.optedIn) {
    s.sharing.optedIn = false;
    s.sharing.withdrawnAt = timestampNow();
  }
  const system = await writeEntity(
    deps,
    "system",
    s,
    "dismantled",
    req.actor,
    Number(req.expectedVersion),
  );
  const count = await dismantleCameras(deps, s.id, req.dismantledDate, req.actor);
  const filings = await filingsOf(deps, s.id);
  const obligation = obligations(system, filings, todayCst(deps.clock()), 7).find(
    (o) => o.article === "Art. 19",
  );
  return { system, camerasDismantled: count, obligation };
}

/** Marks every active camera of a system dismantled (each its own write and event). */
async function dismantleCameras(
  deps: Deps,
  systemId: string,
  date: string,
  actor: Actor | undefined,
): Promise<number> {
  const ids = await deps.queries.members(key.ix("camera", "system", systemId));
  let count = 0;
  for (let i = 0; i < ids.length; i += 200) {
    const done = await Promise.all(
      ids.slice(i, i + 200).map(async (id) => {
        const cur = await deps.records.get("camera", id);
        if (cur?.entity.dismantledDate !== "") return 0;
        const c = { ...cur.entity, dismantledDate: date };
        await writeEntity(deps, "camera", c, "dismantled", actor, cur.revision);
        return 1;
      }),
    );
    count += done.reduce<number>((a, b) => a + b, 0);
  }
  return count;
}

export async function setSharing(deps: Deps, req: SetSharingRequest) {
  const current = await mustGet(deps, "system", req.systemId, "system_id");
  const s = clone(VideoSystemSchema, current.entity);
  const before = s.sharing?.optedIn ?? false;
  if (s.status === Lifecycle.DISMANTLED && req.optedIn)
    throw new VisError("failed_precondition", "a dismantled system cannot be shared (Art. 19)", {
      field: "opted_in",
      article: "Art. 19",
    });
  if (s.funding === Funding.GOVERNMENT && req.optedIn && s.acceptedDate === "")
    throw new VisError(
      "failed_precondition",
      "a government-funded system cannot be shared before acceptance (Art. 16)",
      {
        field: "opted_in",
        article: "Art. 16",
      },
    );
  const sharing = create(SharingSchema, { ...s.sharing, optedIn: req.optedIn, limits: req.limits });
  if (req.optedIn && !before) sharing.optedInAt = timestampNow();
  if (!req.optedIn && before) sharing.withdrawnAt = timestampNow();
  s.sharing = sharing;
  checkSystem(s, current.entity);
  const event =
    req.optedIn === before
      ? "sharing_changed"
      : req.optedIn
        ? "sharing_granted"
        : "sharing_withdrawn";
  return {
    system: await writeEntity(deps, "system", s, event, req.actor, Number(req.expectedVersion)),
  };
}
