import { timestampMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import type { GrantAction, GrantMode } from "@vis/grants";
import type { RequestAccessRequest } from "@vis/proto/vis/access/v1/request_pb";
import type { CameraFacts } from "./facts.ts";
import { actionName, basisName, documentKindName, kindName, levelName, modeName } from "./names.ts";
import { type ApprovalRule, type BasisRule, LEVEL_RANK, type Profile } from "./profile.ts";
import type { Finding } from "./reason.ts";

/** What a granted request may do; the service turns it into a grant and a token. */
export interface GrantPlan {
  readonly cameras: readonly string[];
  readonly mode: GrantMode;
  readonly action: GrantAction;
  /** Epoch seconds, recorded mode only. */
  readonly window?: { readonly from: number; readonly to: number };
  /** Epoch ms. */
  readonly endsAt: number;
  readonly maxSessions: number;
  readonly emergency: boolean;
  readonly reviewRequired: boolean;
}

export type Evaluation =
  | { readonly outcome: "denied"; readonly reasons: readonly Finding[] }
  | {
      readonly outcome: "pending_approval";
      readonly reasons: readonly Finding[];
      readonly approval: ApprovalRule;
      readonly plan: GrantPlan;
    }
  | { readonly outcome: "granted"; readonly reasons: readonly Finding[]; readonly plan: GrantPlan };

/**
 * Malformed requests (fields that contradict each other) are bad input, not decisions: they throw
 * `invalid_argument` naming the field and nothing is stored.
 */
export function checkShape(req: RequestAccessRequest): void {
  const mode = modeName(req.mode);
  if (mode === "recorded") {
    const from = req.window?.from;
    const to = req.window?.to;
    if (from === undefined || to === undefined) {
      throw new VisError("invalid_argument", "window: recorded mode needs a time window", {
        field: "window",
      });
    }
    if (timestampMs(to) <= timestampMs(from)) {
      throw new VisError("invalid_argument", "window.to: must be after window.from", {
        field: "window.to",
      });
    }
  } else if (req.window !== undefined) {
    throw new VisError("invalid_argument", "window: live mode takes no time window", {
      field: "window",
    });
  }
}

/** Decides a request under `profile`, from the request, the cameras' facts and the time. Pure. */
export function evaluate(
  profile: Profile,
  req: RequestAccessRequest,
  facts: ReadonlyMap<string, CameraFacts>,
  now: number,
): Evaluation {
  checkShape(req);
  const deny: Finding[] = [];
  const basis = basisName(req.basis);
  const rule: BasisRule | undefined = basis === undefined ? undefined : profile.bases[basis];
  if (rule === undefined) {
    deny.push({
      code: "basis.missing",
      article: "Art. 24",
      message: `no lawful basis under ${profile.title} (Art. 24 (a)–(e))`,
      field: "basis",
    });
  }
  deny.push(...checkOfficers(profile, req));
  let approvalWaived = true;
  if (rule !== undefined) {
    const requesterKind = kindName(req.requester?.kind ?? 0);
    if (requesterKind === undefined || !rule.requesterKinds.includes(requesterKind)) {
      deny.push({
        code: "basis.requester_kind",
        article: rule.article,
        message: `${rule.article} (${rule.label}) is for ${rule.requesterKinds.join(", ")}; the requester is ${requesterKind ?? "unspecified"}`,
        field: "requester.kind",
      });
    }
    if (rule.caseRefRequired && req.caseRef.trim() === "") {
      deny.push({
        code: "case_ref.missing",
        article: rule.article,
        message: `${rule.article} needs the case or event reference`,
        field: "case_ref",
      });
    }
    const doc = checkDocument(profile, rule, req);
    deny.push(...doc.findings);
    approvalWaived =
      rule.approval === undefined ||
      doc.waivesApproval ||
      (rule.approval.waivedByLawCitation === true && req.lawCitation.trim() !== "");
  }
  deny.push(...checkCameras(profile, req, facts, now));
  if (deny.length > 0) return { outcome: "denied", reasons: deny };
  const r = rule as BasisRule;
  const plan = planGrant(profile, r, req, now);
  if (!approvalWaived && r.approval !== undefined) {
    return {
      outcome: "pending_approval",
      approval: r.approval,
      plan,
      reasons: [
        {
          code: "approval.required",
          article: r.approval.article,
          message: `${r.approval.article} needs approval by ${r.approval.approverKinds.join("/")} of ${r.approval.minLevel} level or higher whose jurisdiction covers the cameras`,
        },
      ],
    };
  }
  return { outcome: "granted", plan, reasons: [] };
}

function checkOfficers(profile: Profile, req: RequestAccessRequest): Finding[] {
  const ids = req.officers.map((o) => o.workId.trim().toUpperCase());
  const distinct = new Set(ids);
  const article = profile.officers.article;
  if (distinct.size < ids.length) {
    return [
      {
        code: "officers.not_distinct",
        article,
        message: `${article}: the same work ID appears twice; at least ${profile.officers.min} distinct officers are needed`,
        field: "officers",
      },
    ];
  }
  if (ids.length < profile.officers.min) {
    return [
      {
        code: "officers.too_few",
        article,
        message: `${article}: at least ${profile.officers.min} officers with names and work IDs; got ${ids.length}`,
        field: "officers",
      },
    ];
  }
  return [];
}

function checkDocument(
  profile: Profile,
  rule: BasisRule,
  req: RequestAccessRequest,
): { findings: Finding[]; waivesApproval: boolean } {
  const d = req.document;
  const article = `${rule.article}, ${profile.documentArticle}`;
  if (d === undefined) {
    return {
      waivesApproval: false,
      findings: [
        {
          code: "document.missing",
          article,
          message: `${rule.article} needs a document (${rule.documents.flatMap((x) => x.kinds).join(" or ")})`,
          field: "document",
        },
      ],
    };
  }
  const missing = (["number", "issuer", "sha256"] as const).filter((f) => d[f].trim() === "");
  if (missing.length > 0 || d.issuedAt === undefined) {
    const fields = [...missing, ...(d.issuedAt === undefined ? ["issued_at"] : [])];
    return {
      waivesApproval: false,
      findings: [
        {
          code: "document.incomplete",
          article,
          message: `the document needs ${fields.join(", ")}`,
          field: `document.${fields[0]}`,
        },
      ],
    };
  }
  const kind = documentKindName(d.kind);
  const candidates = rule.documents.filter((x) => kind !== undefined && x.kinds.includes(kind));
  if (candidates.length === 0) {
    return {
      waivesApproval: false,
      findings: [
        {
          code: "document.wrong_kind",
          article,
          message: `${rule.article} needs ${rule.documents.flatMap((x) => x.kinds).join(" or ")}; got ${kind ?? "unspecified"}`,
          field: "document.kind",
        },
      ],
    };
  }
  const findings: Finding[] = [];
  for (const c of candidates) {
    const issuerKind = kindName(d.issuerKind);
    const issuerLevel = levelName(d.issuerLevel);
    const kindOk =
      c.issuerKinds === undefined ||
      (issuerKind !== undefined && c.issuerKinds.includes(issuerKind));
    const levelOk =
      c.minIssuerLevel === undefined ||
      (issuerLevel !== undefined && LEVEL_RANK[issuerLevel] >= LEVEL_RANK[c.minIssuerLevel]);
    if (kindOk && levelOk) return { findings: [], waivesApproval: c.waivesApproval === true };
    if (!kindOk) {
      findings.push({
        code: "document.wrong_issuer",
        article: rule.article,
        message: `the document must be issued by ${c.issuerKinds?.join(" or ")}; issuer is ${issuerKind ?? "unspecified"}`,
        field: "document.issuer_kind",
      });
    } else {
      findings.push({
        code: "document.wrong_level",
        article: rule.article,
        message: `the document must be issued at ${c.minIssuerLevel} level or higher; issuer is ${issuerLevel ?? "unspecified"}`,
        field: "document.issuer_level",
      });
    }
  }
  return { findings: findings.slice(0, 1), waivesApproval: false };
}

function checkCameras(
  profile: Profile,
  req: RequestAccessRequest,
  facts: ReadonlyMap<string, CameraFacts>,
  now: number,
): Finding[] {
  const out: Finding[] = [];
  const mode = modeName(req.mode);
  const from = req.window?.from === undefined ? undefined : timestampMs(req.window.from);
  const to = req.window?.to === undefined ? undefined : timestampMs(req.window.to);
  if (mode === "recorded" && to !== undefined && to > now) {
    out.push({
      code: "window.future",
      article: profile.retentionArticle,
      message: `the window ends in the future (${new Date(to).toISOString()}); recorded footage ends now`,
      field: "window.to",
    });
  }
  for (const cameraId of req.cameraIds) {
    const found = checkCamera(profile, cameraId, facts.get(cameraId), mode, from, now);
    if (found !== undefined) out.push(found);
  }
  return out;
}

/**
 * Whether one camera may be used in `mode` now, by the registry's facts (Art. 14, 16, 19, 21(7)).
 * Returns the finding that refuses it, or undefined. Also used to revoke grants when facts change.
 */
export function checkCamera(
  profile: Profile,
  cameraId: string,
  f: CameraFacts | undefined,
  mode: GrantMode | undefined,
  from: number | undefined,
  now: number,
): Finding | undefined {
  const at = (code: string, article: string, message: string): Finding => ({
    code,
    article,
    message: `camera ${cameraId}: ${message}`,
    cameraId,
    field: "camera_ids",
  });
  if (f === undefined) {
    return at("camera.unknown", profile.sharingArticle, "not in the registry");
  }
  if (f.lifecycle === "dismantled") {
    return at("camera.dismantled", profile.dismantledArticle, "dismantled");
  }
  if (f.governmentFunded && !f.accepted) {
    return at(
      "camera.not_accepted",
      profile.acceptanceArticle,
      "government-funded and not accepted; no use before acceptance",
    );
  }
  if (f.lifecycle !== "in_service" && !(f.lifecycle === "accepted" && !f.governmentFunded)) {
    return at(
      "camera.not_in_service",
      profile.acceptanceArticle,
      `lifecycle ${f.lifecycle}, not in service`,
    );
  }
  if (!f.optedIn || f.sharing === "none") {
    return at(
      "camera.not_shared",
      profile.sharingArticle,
      "the operator has not opted in to sharing or has withdrawn",
    );
  }
  if (mode === "recorded" && f.sharing === "live_only") {
    return at("camera.live_only", profile.sharingArticle, "the operator shares live footage only");
  }
  if (mode === "live" && f.sharing === "recorded_only") {
    return at(
      "camera.recorded_only",
      profile.sharingArticle,
      "the operator shares recorded footage only",
    );
  }
  const hours = f.sharingHours ?? [];
  if (hours.length > 0 && !hours.some((h) => inHours(h, now, profile.timeZone))) {
    const list = hours.map((h) => `${hhmm(h.fromMinute)}–${hhmm(h.toMinute)}`).join(", ");
    return at(
      "camera.outside_hours",
      profile.sharingArticle,
      `access is shared only ${list} (${profile.timeZone})`,
    );
  }
  if (mode === "recorded" && from !== undefined) {
    const oldest = now - f.retentionDays * 86_400_000;
    if (from < oldest) {
      return at(
        "window.outside_retention",
        profile.retentionArticle,
        `recordings are kept ${f.retentionDays} days; the oldest available is ${new Date(oldest).toISOString()}, the window starts ${new Date(from).toISOString()}`,
      );
    }
  }

  return undefined;
}

function planGrant(
  profile: Profile,
  rule: BasisRule,
  req: RequestAccessRequest,
  now: number,
): GrantPlan {
  const mode = modeName(req.mode) ?? "live";
  const action = actionName(req.action) ?? "view";
  const duration = Math.min(req.durationSeconds, rule.maxDurationSec);
  const window =
    mode === "recorded" && req.window?.from !== undefined && req.window.to !== undefined
      ? {
          from: Math.floor(timestampMs(req.window.from) / 1000),
          to: Math.ceil(timestampMs(req.window.to) / 1000),
        }
      : undefined;
  return {
    cameras: [...req.cameraIds],
    mode,
    action,
    ...(window === undefined ? {} : { window }),
    endsAt: now + duration * 1000,
    maxSessions: req.cameraIds.length * profile.sessionsPerCamera,
    emergency: rule.reviewAfter === true,
    reviewRequired: rule.reviewAfter === true,
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

function inHours(
  h: { fromMinute: number; toMinute: number },
  now: number,
  timeZone: string,
): boolean {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  const m = hour * 60 + minute;
  return h.fromMinute <= h.toMinute
    ? m >= h.fromMinute && m < h.toMinute
    : m >= h.fromMinute || m < h.toMinute;
}

const hhmm = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
