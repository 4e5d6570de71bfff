import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import {
  type Camera,
  CameraSchema,
  Funding,
  Lifecycle,
  LocationType,
  StreamProtocol,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";

/** One import row as text or JSON scalars, keyed by column name. */
export type Row = Record<string, unknown>;

const str = (row: Row, col: string): string => {
  const v = row[col];
  return v === undefined || v === null ? "" : String(v).trim();
};

function bool(row: Row, col: string): boolean {
  const v = str(row, col).toLowerCase();
  if (["", "0", "false", "no", "n"].includes(v)) return false;
  if (["1", "true", "yes", "y"].includes(v)) return true;
  throw new VisError("invalid_argument", `${col}: "${v}" is not true/false`, { field: col });
}

function num(row: Row, col: string, integer: boolean): number {
  const v = str(row, col);
  if (v === "") return 0;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && (!Number.isInteger(n) || n < 0)))
    throw new VisError(
      "invalid_argument",
      `${col}: "${v}" is not a ${integer ? "whole number ≥ 0" : "number"}`,
      { field: col },
    );
  return n;
}

/** An enum by its short name ("in_service"), full name ("LIFECYCLE_IN_SERVICE") or number. */
function enumOf<E extends Record<string, string | number>>(e: E, row: Row, col: string): number {
  const v = str(row, col);
  if (v === "") return 0;
  if (/^\d+$/.test(v) && e[Number(v)] !== undefined) return Number(v);
  const name = v.toUpperCase().replace(/[\s-]/g, "_");
  for (const [k, n] of Object.entries(e)) {
    if (typeof n === "number" && n !== 0 && (k === name || name.endsWith(`_${k}`))) return n;
  }
  const names = Object.entries(e)
    .filter(([, n]) => typeof n === "number" && n !== 0)
    .map(([k]) => k.toLowerCase());
  throw new VisError("invalid_argument", `${col}: "${v}" is not one of ${names.join(", ")}`, {
    field: col,
  });
}

function protocolOf(url: string): StreamProtocol {
  const scheme = url.split(":")[0]?.toLowerCase() ?? "";
  if (scheme.startsWith("rtmp")) return StreamProtocol.RTMP;
  if (scheme.startsWith("rtsp")) return StreamProtocol.RTSP;
  if (scheme === "gb28181") return StreamProtocol.GB28181;
  if (url.includes(".m3u8")) return StreamProtocol.HLS;
  return StreamProtocol.HTTP_FLV;
}

/** A camera from a flat row (columns in services/registry/README.md). */
export function cameraFromRow(row: Row): Camera {
  const template = str(row, "playback_url_template");
  const archived = bool(row, "archived_by_hub");
  const lat = str(row, "lat");
  const lon = str(row, "lon");
  return create(CameraSchema, {
    id: str(row, "id"),
    systemId: str(row, "system_id"),
    name: str(row, "name"),
    position:
      lat !== "" || lon !== ""
        ? { lat: num(row, "lat", false), lon: num(row, "lon", false) }
        : undefined,
    address: str(row, "address"),
    locationType: enumOf(LocationType, row, "location_type"),
    locationNote: str(row, "location_note"),
    publicPlace: bool(row, "public_place"),
    signage: bool(row, "signage"),
    liveSources: str(row, "live_urls")
      .split(/[\s|]+/)
      .filter((u) => u !== "")
      .map((url, i) => ({ url, protocol: protocolOf(url), priority: i })),
    playback: template
      ? { source: { case: "urlTemplate", value: template } }
      : archived
        ? { source: { case: "archivedByHub", value: true } }
        : undefined,
    codec:
      str(row, "codec_video") || str(row, "width")
        ? {
            video: str(row, "codec_video"),
            width: num(row, "width", true),
            height: num(row, "height", true),
            fps: num(row, "fps", false),
            audio: str(row, "codec_audio"),
          }
        : undefined,
    dismantledDate: str(row, "dismantled_date"),
  });
}

function hours(text: string): { fromHour: number; toHour: number }[] {
  if (text === "") return [];
  return text.split(/[,;\s]+/).map((part) => {
    const m = /^(\d{1,2})-(\d{1,2})$/.exec(part);
    if (!m)
      throw new VisError("invalid_argument", `share_hours: "${part}" is not FROM-TO (e.g. 8-20)`, {
        field: "share_hours",
      });
    return { fromHour: Number(m[1]), toHour: Number(m[2]) };
  });
}

/** A system from a flat row. */
export function systemFromRow(row: Row): VideoSystem {
  const optedIn = bool(row, "opted_in");
  return create(VideoSystemSchema, {
    id: str(row, "id"),
    name: str(row, "name"),
    ownerAgencyId: str(row, "owner_agency_id"),
    district: str(row, "district"),
    policeStationId: str(row, "police_station_id"),
    funding: enumOf(Funding, row, "funding"),
    siteCategory: num(row, "site_category", true),
    status: enumOf(Lifecycle, row, "status"),
    plannedDate: str(row, "planned_date"),
    builtDate: str(row, "built_date"),
    acceptedDate: str(row, "accepted_date"),
    inServiceDate: str(row, "in_service_date"),
    retentionDays: num(row, "retention_days", true),
    signage: bool(row, "signage"),
    description: str(row, "description"),
    sharing:
      optedIn || str(row, "share_live") || str(row, "share_recorded")
        ? {
            optedIn,
            limits: {
              allCameras:
                str(row, "share_all_cameras") === "" ? true : bool(row, "share_all_cameras"),
              live: bool(row, "share_live"),
              recorded: bool(row, "share_recorded"),
              hours: hours(str(row, "share_hours")),
            },
          }
        : undefined,
  });
}
