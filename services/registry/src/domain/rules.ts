import { VisError } from "@vis/errors";
import {
  type Camera,
  type CameraFacts,
  Funding,
  type HourWindow,
  Lifecycle,
  type VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import { privatePlace } from "./art9.ts";
import { checkDates, dayNumber } from "./dates.ts";

export const MIN_RETENTION_DAYS = 30;
/** Art. 29: the measures apply from this date; systems built before it fall under Art. 18. */
export const MEASURES_IN_FORCE = "2015-01-01";

const SYSTEM_DATES = [
  "plannedDate",
  "builtDate",
  "acceptedDate",
  "inServiceDate",
  "dismantledDate",
] as const;

/** A system built before the measures took force (Art. 18). */
export function isPreExisting(s: Pick<VideoSystem, "builtDate">): boolean {
  return s.builtDate !== "" && s.builtDate < MEASURES_IN_FORCE;
}

/**
 * The registration rules for a system, as created or updated: Art. 21(7) retention, Art. 16
 * acceptance before service, lifecycle dates. `previous` is the stored version on update.
 */
export function checkSystem(s: VideoSystem, previous?: VideoSystem): void {
  checkDates(s as unknown as Record<string, unknown>, SYSTEM_DATES, "system");
  for (const h of s.sharing?.limits?.hours ?? []) checkHours(h, "system.sharing.limits.hours");
  if (s.retentionDays < MIN_RETENTION_DAYS) {
    throw new VisError(
      "invalid_argument",
      `system.retention_days: recordings must be kept at least ${MIN_RETENTION_DAYS} days (Art. 21(7)); got ${s.retentionDays}`,
      { field: "system.retention_days", article: "Art. 21(7)" },
    );
  }
  const gov = s.funding === Funding.GOVERNMENT;
  if (
    gov &&
    s.status >= Lifecycle.ACCEPTED &&
    s.status !== Lifecycle.DISMANTLED &&
    s.acceptedDate === ""
  ) {
    throw new VisError(
      "failed_precondition",
      `a government-funded system cannot be ${s.status === Lifecycle.IN_SERVICE ? "put into service" : "marked accepted"} before it passes acceptance: system.accepted_date is empty (Art. 16)`,
      { field: "system.accepted_date", article: "Art. 16" },
    );
  }
  if (
    gov &&
    s.inServiceDate !== "" &&
    (s.acceptedDate === "" || s.inServiceDate < s.acceptedDate)
  ) {
    throw new VisError(
      "failed_precondition",
      `a government-funded system cannot go into service (${s.inServiceDate}) before acceptance (${s.acceptedDate || "none"}) (Art. 16)`,
      { field: "system.in_service_date", article: "Art. 16" },
    );
  }
  if (
    !gov &&
    s.status >= Lifecycle.ACCEPTED &&
    s.status !== Lifecycle.DISMANTLED &&
    s.acceptedDate === "" &&
    !isPreExisting(s)
  ) {
    throw new VisError(
      "invalid_argument",
      "system.accepted_date: an accepted private system needs its acceptance date (the Art. 17 filing deadline counts from it)",
      { field: "system.accepted_date", article: "Art. 17" },
    );
  }
  if (s.status === Lifecycle.DISMANTLED && s.dismantledDate === "") {
    throw new VisError(
      "invalid_argument",
      "system.dismantled_date: a dismantled system needs its dismantling date (Art. 19)",
      {
        field: "system.dismantled_date",
        article: "Art. 19",
      },
    );
  }
  if (s.status !== Lifecycle.DISMANTLED && s.dismantledDate !== "") {
    throw new VisError(
      "invalid_argument",
      "system.dismantled_date: set only on a dismantled system",
      {
        field: "system.dismantled_date",
      },
    );
  }
  if (previous?.status === Lifecycle.DISMANTLED && s.status !== Lifecycle.DISMANTLED) {
    throw new VisError(
      "failed_precondition",
      "a dismantled system cannot be brought back (Art. 19); register a new one",
      {
        field: "system.status",
        article: "Art. 19",
      },
    );
  }
  if (previous && s.status < previous.status) {
    throw new VisError(
      "failed_precondition",
      `system.status: the lifecycle only moves forward (planned → built → accepted → in service → dismantled); it is ${Lifecycle[previous.status]}`,
      { field: "system.status" },
    );
  }
  if (gov && s.sharing?.optedIn && s.acceptedDate === "") {
    throw new VisError(
      "failed_precondition",
      "a government-funded system cannot be shared before acceptance (Art. 16)",
      {
        field: "system.sharing.opted_in",
        article: "Art. 16",
      },
    );
  }
}

function checkHours(h: HourWindow, field: string): void {
  if (h.fromHour >= h.toHour) {
    throw new VisError(
      "invalid_argument",
      `${field}: from_hour (${h.fromHour}) must be before to_hour (${h.toHour})`,
      { field },
    );
  }
}

/** The rules for a camera under `system`: Art. 9 private places, dates, a live system. */
export function checkCamera(c: Camera, system: VideoSystem | undefined): void {
  if (!system) {
    throw new VisError("failed_precondition", `camera.system_id: no system "${c.systemId}"`, {
      field: "camera.system_id",
    });
  }
  const place = privatePlace(c);
  if (place) {
    throw new VisError(
      "permission_denied",
      `cameras may not be installed in a ${place.what} or similar private place (Art. 9): camera.${place.field}`,
      { field: `camera.${place.field}`, article: "Art. 9" },
    );
  }
  if (c.dismantledDate !== "") dayNumber(c.dismantledDate, "camera.dismantled_date");
  if (system.status === Lifecycle.DISMANTLED && c.dismantledDate === "") {
    throw new VisError(
      "failed_precondition",
      `system ${system.id} is dismantled (Art. 19); it takes no cameras`,
      {
        field: "camera.system_id",
        article: "Art. 19",
      },
    );
  }
  const tpl = c.playback?.source.case === "urlTemplate" ? c.playback.source.value : undefined;
  if (tpl !== undefined && !(/\{start(_unix)?\}/.test(tpl) && /\{end(_unix)?\}/.test(tpl))) {
    throw new VisError(
      "invalid_argument",
      "camera.playback.url_template: must contain {start} and {end} (or {start_unix} and {end_unix})",
      {
        field: "camera.playback.url_template",
      },
    );
  }
}

/** Whether a system may be shared now, and why not (naming the article). */
export function systemShareable(s: VideoSystem): { ok: boolean; reason: string } {
  if (s.status === Lifecycle.DISMANTLED)
    return { ok: false, reason: "system dismantled (Art. 19)" };
  if (s.funding === Funding.GOVERNMENT) {
    if (s.acceptedDate === "" || s.status < Lifecycle.ACCEPTED)
      return { ok: false, reason: "government-funded system not accepted (Art. 16)" };
    if (s.status !== Lifecycle.IN_SERVICE)
      return { ok: false, reason: "system not in service (Art. 16)" };
    return { ok: true, reason: "" };
  }
  if (!s.sharing?.optedIn)
    return { ok: false, reason: "private system not opted in to interconnect (Art. 14)" };
  if (s.status !== Lifecycle.IN_SERVICE) return { ok: false, reason: "system not in service" };
  return { ok: true, reason: "" };
}

/** The facts an access decision needs about one camera. */
export function cameraFacts(
  camera: Camera,
  system: VideoSystem,
): Omit<CameraFacts, "$typeName" | "owner"> {
  const base = systemShareable(system);
  const gov = system.funding === Funding.GOVERNMENT;
  const limits = system.sharing?.limits;
  let reason = base.reason;
  if (base.ok && camera.dismantledDate !== "") reason = "camera dismantled (Art. 19)";
  else if (base.ok && !gov && !(limits?.allCameras || limits?.cameraIds.includes(camera.id)))
    reason = "camera not in the operator's sharing limits (Art. 14)";
  else if (base.ok && !gov && !limits?.live && !limits?.recorded)
    reason = "operator shares neither live nor recorded footage (Art. 14)";
  const ok = reason === "";
  return {
    camera,
    system,
    shareable: ok,
    notShareableReason: reason,
    liveAllowed: ok && (gov || Boolean(limits?.live)),
    recordedAllowed: ok && (gov || Boolean(limits?.recorded)),
    hours: ok && !gov ? [...(limits?.hours ?? [])] : [],
  };
}
