import type { Person } from "@vis/proto/vis/access/v1/log_pb";
import type { RequestAccessRequest } from "@vis/proto/vis/access/v1/request_pb";
import type { CameraFacts } from "./facts.ts";
import { kindName, levelName } from "./names.ts";
import { type ApprovalRule, LEVEL_RANK } from "./profile.ts";
import type { Finding } from "./reason.ts";

/**
 * May `approver` (with `jurisdiction`, the districts their agency covers) approve `req`? Returns
 * the reasons they may not; empty means they may. Pure.
 */
export function checkApprover(
  rule: ApprovalRule,
  req: RequestAccessRequest,
  facts: ReadonlyMap<string, CameraFacts>,
  approver: Person,
  jurisdiction: readonly string[],
): Finding[] {
  const out: Finding[] = [];
  const article = rule.article;
  const self =
    req.officers.some(
      (o) => o.workId.trim().toUpperCase() === approver.workId.trim().toUpperCase(),
    ) ||
    (approver.agencyId !== "" && approver.agencyId === req.requester?.agencyId);
  if (self) {
    out.push({
      code: "approval.self",
      article,
      message: `${article}: an approver may not approve their own agency's or their own request`,
      field: "approver.work_id",
    });
  }
  const kind = kindName(approver.agencyKind);
  if (kind === undefined || !rule.approverKinds.includes(kind)) {
    out.push({
      code: "approval.wrong_kind",
      article,
      message: `${article}: approval must come from ${rule.approverKinds.join(" or ")}; approver is ${kind ?? "unspecified"}`,
      field: "approver.agency_kind",
    });
  }
  const level = levelName(approver.agencyLevel);
  if (level === undefined || LEVEL_RANK[level] < LEVEL_RANK[rule.minLevel]) {
    out.push({
      code: "approval.wrong_level",
      article,
      message: `${article}: approval must come from ${rule.minLevel} level or higher; approver is ${level ?? "unspecified"}`,
      field: "approver.agency_level",
    });
  }
  if (rule.cameraDistrict) {
    for (const cameraId of req.cameraIds) {
      const district = facts.get(cameraId)?.district;
      if (district === undefined || !jurisdiction.includes(district)) {
        out.push({
          code: "approval.wrong_district",
          article,
          message: `${article}: camera ${cameraId} is in district ${district ?? "unknown"}, outside the approver's jurisdiction (${jurisdiction.join(", ") || "none"})`,
          cameraId,
          field: "jurisdiction",
        });
      }
    }
  }
  return out;
}
