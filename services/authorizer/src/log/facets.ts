import type { LogEntry } from "@vis/proto/vis/access/v1/log_pb";

/** The kind names of entries, as QueryLog takes them. */
export const ENTRY_KINDS = [
  "decided",
  "approved",
  "revoked",
  "session",
  "exported",
  "reviewed",
  "segmentRemoved",
  "held",
  "changeRefused",
] as const;

/** Who and what an entry concerns, for auditors' queries. */
export function facets(e: LogEntry): { agencies: string[]; officers: string[]; cameras: string[] } {
  const b = e.body;
  switch (b.case) {
    case "decided":
      return {
        agencies: [b.value.request?.requester?.agencyId ?? ""],
        officers: b.value.request?.officers.map((o) => o.workId) ?? [],
        cameras: b.value.request?.cameraIds ?? [],
      };
    case "approved":
      return {
        agencies: [b.value.approver?.agencyId ?? ""],
        officers: [b.value.approver?.workId ?? ""],
        cameras: b.value.decision?.grant?.cameraIds ?? [],
      };
    case "revoked":
      return {
        agencies: [b.value.person?.agencyId ?? ""],
        officers: [b.value.person?.workId ?? ""],
        cameras: b.value.cameraId ? [b.value.cameraId] : [],
      };
    case "session":
    case "exported":
      return {
        agencies: [b.value.agencyId],
        officers: [b.value.viewer],
        cameras: [b.value.cameraId],
      };
    case "held":
      return {
        agencies: [b.value.agencyId],
        officers: b.value.officers.split(",").filter(Boolean),
        cameras: [b.value.cameraId],
      };
    case "segmentRemoved":
    case "changeRefused":
      return { agencies: [], officers: [], cameras: [b.value.cameraId] };
    case "reviewed":
      return {
        agencies: [b.value.reviewer?.agencyId ?? ""],
        officers: [b.value.reviewer?.workId ?? ""],
        cameras: [],
      };
    default:
      return { agencies: [], officers: [], cameras: [] };
  }
}
