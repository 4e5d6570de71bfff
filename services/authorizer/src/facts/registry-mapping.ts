import {
  type Camera,
  Funding,
  Lifecycle,
  type VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import type { CameraFacts } from "../policy/facts.ts";

const LIFECYCLE: Record<number, CameraFacts["lifecycle"]> = {
  [Lifecycle.PLANNED]: "planned",
  [Lifecycle.BUILT]: "built",
  [Lifecycle.ACCEPTED]: "accepted",
  [Lifecycle.IN_SERVICE]: "in_service",
  [Lifecycle.DISMANTLED]: "dismantled",
};

/**
 * The registry's camera and system, as the decision engine's facts. Government systems are shared
 * by law once accepted (Art. 14, 16): their `opted_in` is ignored, their limits still apply.
 * Private systems are shared only while opted in and only the cameras their limits name.
 */
export function toCameraFacts(
  camera: Camera,
  system: VideoSystem,
  minRetentionDays: number,
): CameraFacts {
  const government = system.funding === Funding.GOVERNMENT;
  const limits = system.sharing?.limits;
  const included =
    limits !== undefined && (limits.allCameras || limits.cameraIds.includes(camera.id));
  const optedIn = government ? true : system.sharing?.optedIn === true && included;
  const live = government && limits === undefined ? true : limits?.live === true;
  const recorded = government && limits === undefined ? true : limits?.recorded === true;
  const sharing: CameraFacts["sharing"] =
    live && recorded
      ? "live_and_recorded"
      : live
        ? "live_only"
        : recorded
          ? "recorded_only"
          : "none";
  const lifecycle: CameraFacts["lifecycle"] =
    camera.dismantledDate !== "" ? "dismantled" : (LIFECYCLE[system.status] ?? "planned");
  const accepted =
    system.acceptedDate !== "" ||
    system.status === Lifecycle.ACCEPTED ||
    system.status === Lifecycle.IN_SERVICE;
  const hours = (limits?.hours ?? []).map((h) => ({
    fromMinute: h.fromHour * 60,
    toMinute: h.toHour * 60,
  }));
  return {
    cameraId: camera.id,
    systemId: system.id,
    ownerAgencyId: system.ownerAgencyId,
    district: system.district,
    optedIn,
    sharing,
    ...(hours.length > 0 ? { sharingHours: hours } : {}),
    lifecycle,
    governmentFunded: government,
    accepted,
    retentionDays: system.retentionDays > 0 ? system.retentionDays : minRetentionDays,
  };
}
