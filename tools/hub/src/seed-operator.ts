import { VisError } from "@vis/errors";
import { AgencyKind, Funding, Lifecycle, LocationType } from "@vis/proto/vis/registry/v1/model_pb";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import type { CameraInfo } from "@vis/simulator";

const DISTRICT = "demo";
const ACTOR = { service: "hub", personIds: ["hub-runner"] };

/** Ignores `already_exists`, so a restarted hub with kept data registers nothing twice. */
async function once(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (err instanceof VisError && err.code === "already_exists") return false;
    throw err;
  }
}

/**
 * Registers the simulated operator the way a real one would be: a district police agency and its
 * station, a private operator, its recorder as an opted-in private system in service (site category
 * 11, 30-day retention, signage), and one camera per simulated camera with its live RTMP source;
 * the first is archived by the hub, the others name the recorder's playback template. Returns how many records were new.
 */
export async function seedSimulatedOperator(
  registryAddress: string,
  cameras: readonly CameraInfo[],
): Promise<number> {
  const client = createRpcClient(Registry, { address: registryAddress, deadlineMs: 15_000 });
  const today = new Date().toISOString().slice(0, 10);
  let created = 0;
  const add = async (fn: () => Promise<unknown>) => {
    if (await once(fn)) created++;
  };
  try {
    await add(() =>
      client.createAgency({
        agency: {
          id: "demo-police",
          kind: AgencyKind.POLICE_DISTRICT,
          name: "Demo district police",
          district: DISTRICT,
        },
        actor: ACTOR,
      }),
    );
    await add(() =>
      client.createAgency({
        agency: {
          id: "demo-station",
          kind: AgencyKind.POLICE_STATION,
          name: "Demo police station",
          district: DISTRICT,
          parentAgencyId: "demo-police",
        },
        actor: ACTOR,
      }),
    );
    await add(() =>
      client.createAgency({
        agency: {
          id: "demo-operator",
          kind: AgencyKind.PRIVATE_OPERATOR,
          name: "Simulated operator",
          district: DISTRICT,
        },
        actor: ACTOR,
      }),
    );
    await add(() =>
      client.createSystem({
        system: {
          id: "demo-nvr",
          name: "Simulated operator recorder",
          ownerAgencyId: "demo-operator",
          district: DISTRICT,
          policeStationId: "demo-station",
          funding: Funding.PRIVATE,
          siteCategory: 11,
          status: Lifecycle.IN_SERVICE,
          builtDate: today,
          acceptedDate: today,
          inServiceDate: today,
          retentionDays: 30,
          signage: true,
          sharing: { optedIn: true, limits: { allCameras: true, live: true, recorded: true } },
        },
        actor: ACTOR,
      }),
    );
    for (const [i, cam] of cameras.entries()) {
      await add(() =>
        client.createCamera({
          camera: {
            id: cam.id,
            systemId: "demo-nvr",
            name: `Simulated ${cam.id}`,
            locationType: LocationType.ENTRANCE,
            publicPlace: true,
            signage: true,
            liveSources: [{ url: cam.rtmpUrl }],
            // the first camera is recorded by the hub's archive, the others play back from the
            // operator's recorder (pull-through)
            playback:
              i === 0
                ? { source: { case: "archivedByHub", value: true } }
                : { source: { case: "urlTemplate", value: cam.playbackUrlTemplate } },
          },
          actor: ACTOR,
        }),
      );
    }
    return created;
  } finally {
    client.close();
  }
}
