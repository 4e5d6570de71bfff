import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import {
  type Camera,
  CameraSchema,
  LocationType,
  type VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import type {
  CreateCameraRequest,
  DismantleCameraRequest,
  ListCamerasRequest,
  ListSignageGapsRequest,
  UpdateCameraRequest,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { dayNumber } from "../domain/dates.ts";
import { cameraFacts, checkCamera } from "../domain/rules.ts";
import { key } from "../projection/indexes.ts";
import type { Clause } from "../projection/queries.ts";
import { tokens } from "../projection/tokens.ts";
import { type Deps, mustGet, newId, read, writeEntity } from "./context.ts";
import { systemClauses } from "./systems.ts";

export async function createCamera(deps: Deps, req: CreateCameraRequest) {
  const c = create(CameraSchema, req.camera);
  if (c.id === "") c.id = newId("camera");
  const system = await deps.records.get("system", c.systemId);
  checkCamera(c, system?.entity);
  return { camera: await writeEntity(deps, "camera", c, "created", req.actor) };
}

export async function updateCamera(deps: Deps, req: UpdateCameraRequest) {
  const c = create(CameraSchema, req.camera);
  const current = await deps.records.get("camera", c.id);
  if (!current) throw new VisError("not_found", `no camera "${c.id}"`, { field: "camera.id" });
  if (current.entity.dismantledDate !== "" && c.dismantledDate === "")
    throw new VisError(
      "failed_precondition",
      "a dismantled camera cannot be brought back (Art. 19)",
      {
        field: "camera.dismantled_date",
        article: "Art. 19",
      },
    );
  const system = await deps.records.get("system", c.systemId);
  checkCamera(c, system?.entity);
  c.createdAt = current.entity.createdAt;
  const event =
    c.dismantledDate !== "" && current.entity.dismantledDate === "" ? "dismantled" : "updated";
  return {
    camera: await writeEntity(deps, "camera", c, event, req.actor, Number(req.expectedVersion)),
  };
}

export async function dismantleCamera(deps: Deps, req: DismantleCameraRequest) {
  dayNumber(req.dismantledDate, "dismantled_date");
  const current = await mustGet(deps, "camera", req.id, "id");
  if (current.entity.dismantledDate !== "")
    throw new VisError("failed_precondition", `camera "${req.id}" is already dismantled`, {
      field: "id",
    });
  const c = create(CameraSchema, { ...current.entity, dismantledDate: req.dismantledDate });
  return {
    camera: await writeEntity(
      deps,
      "camera",
      c,
      "dismantled",
      req.actor,
      Number(req.expectedVersion),
    ),
  };
}

export async function getCamera(deps: Deps, id: string) {
  return { camera: await read(deps, "camera", id) };
}

export async function getCameraFacts(deps: Deps, id: string) {
  const camera = await read(deps, "camera", id);
  const system = await read(deps, "system", camera.systemId);
  const owner = await read(deps, "agency", system.ownerAgencyId).catch(() => undefined);
  return { facts: { ...cameraFacts(camera, system), owner } };
}

/** Cameras of the systems a system-level filter selects: one union clause (empty when none match). */
async function camerasOfSystems(deps: Deps, clauses: Clause[]): Promise<Clause> {
  const page = await deps.queries.page("system", clauses, "", 1_000_000);
  return page.ids.map((sid) => key.ix("camera", "system", sid));
}

export async function cameraClauses(deps: Deps, req: ListCamerasRequest): Promise<Clause[]> {
  const f = req.filter;
  const c: Clause[] = [];
  if (!f?.includeDismantled) c.push(key.ix("camera", "active", 1));
  if (!f) return c;
  if (f.systemId) c.push(key.ix("camera", "system", f.systemId));
  const sys = systemClauses({
    district: f.district,
    siteCategory: f.siteCategory,
    status: f.status,
    ownerAgencyId: f.ownerAgencyId,
    funding: f.funding,
  });
  if (sys.length > 0) c.push(await camerasOfSystems(deps, sys));
  if (f.locationType !== LocationType.UNSPECIFIED) c.push(key.ix("camera", "loc", f.locationType));
  if (f.publicPlaceOnly) c.push(key.ix("camera", "public", 1));
  for (const t of tokens(f.text)) c.push(key.ix("camera", "tok", t));
  return c;
}

export async function listCameras(deps: Deps, req: ListCamerasRequest) {
  const page = await deps.queries.page(
    "camera",
    await cameraClauses(deps, req),
    req.cursor,
    req.pageSize,
  );
  return {
    cameras: await deps.queries.docs("camera", page.ids),
    nextCursor: page.next,
    total: BigInt(page.total),
  };
}

/**
 * Public-place cameras without signage at the camera or on their system (Art. 20), in id order.
 * `total` counts candidates before the system check.
 */
export async function listSignageGaps(deps: Deps, req: ListSignageGapsRequest) {
  const clauses: Clause[] = [key.ix("camera", "nosign", 1)];
  if (req.district)
    clauses.push(await camerasOfSystems(deps, [key.ix("system", "district", req.district)]));
  const want = req.pageSize === 0 ? 100 : req.pageSize;
  const out: Camera[] = [];
  const systems = new Map<string, VideoSystem | undefined>();
  let cursor = req.cursor;
  let total = 0;
  for (let round = 0; round < 50 && out.length < want; round++) {
    const page = await deps.queries.page("camera", clauses, cursor, want);
    total = page.total;
    for (const cam of await deps.queries.docs("camera", page.ids)) {
      if (!systems.has(cam.systemId))
        systems.set(cam.systemId, await deps.queries.doc("system", cam.systemId));
      if (!systems.get(cam.systemId)?.signage) out.push(cam);
    }
    cursor = page.next;
    if (cursor === "") break;
  }
  return { cameras: out, nextCursor: cursor, total: BigInt(total) };
}
