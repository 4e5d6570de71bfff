import type { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import type { ServiceImpl } from "@vis/rpc";
import { finishPendingBatches, importRows } from "../import/importer.ts";
import { KINDS } from "../record/kinds.ts";
import { createAgency, getAgency, listAgencies, updateAgency } from "./agencies.ts";
import {
  createCamera,
  dismantleCamera,
  getCamera,
  getCameraFacts,
  listCameras,
  listSignageGaps,
  updateCamera,
} from "./cameras.ts";
import type { Deps } from "./context.ts";
import {
  createEndpoint,
  fileRecord,
  getEndpoint,
  listEndpoints,
  listFilings,
  listObligations,
  updateEndpoint,
} from "./endpoints-filings.ts";
import {
  createSystem,
  dismantleSystem,
  getSystem,
  listSystems,
  setSharing,
  updateSystem,
} from "./systems.ts";

/** The Registry gRPC service over the record, the projection and the rules. */
export function registryHandlers(deps: Deps): ServiceImpl<typeof Registry> {
  return {
    createAgency: (r) => createAgency(deps, r),
    updateAgency: (r) => updateAgency(deps, r),
    getAgency: (r) => getAgency(deps, r.id),
    listAgencies: (r) => listAgencies(deps, r),
    createSystem: (r) => createSystem(deps, r),
    updateSystem: (r) => updateSystem(deps, r),
    getSystem: (r) => getSystem(deps, r.id),
    listSystems: (r) => listSystems(deps, r),
    dismantleSystem: (r) => dismantleSystem(deps, r),
    setSharing: (r) => setSharing(deps, r),
    createCamera: (r) => createCamera(deps, r),
    updateCamera: (r) => updateCamera(deps, r),
    getCamera: (r) => getCamera(deps, r.id),
    listCameras: (r) => listCameras(deps, r),
    dismantleCamera: (r) => dismantleCamera(deps, r),
    getCameraFacts: (r) => getCameraFacts(deps, r.cameraId),
    createEndpoint: (r) => createEndpoint(deps, r),
    updateEndpoint: (r) => updateEndpoint(deps, r),
    getEndpoint: (r) => getEndpoint(deps, r.id),
    listEndpoints: (r) => listEndpoints(deps, r),
    fileRecord: (r) => fileRecord(deps, r),
    listFilings: (r) => listFilings(deps, r),
    listObligations: (r) => listObligations(deps, r),
    listSignageGaps: (r) => listSignageGaps(deps, r),
    import: (r) => importRows(deps, r),
    rebuildProjection: async () => {
      const started = Date.now();
      await deps.projector.rebuild(120_000);
      const counts = await Promise.all(
        KINDS.map((k) => deps.queries.page(k, [], "", 1).then((p) => BigInt(p.total))),
      );
      const [agencies, systems, cameras, endpoints, filings] = counts;
      return {
        agencies,
        systems,
        cameras,
        endpoints,
        filings,
        millis: BigInt(Date.now() - started),
      };
    },
  };
}

export { finishPendingBatches };
