import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { GrantError, type GrantIssuer, type Jwks, verifyGrant } from "@vis/grants";
import {
  type Decision,
  DecisionSchema,
  type Grant,
  GrantSchema,
  Outcome,
  type Reason,
  ReasonSchema,
} from "@vis/proto/vis/access/v1/decision_pb";
import {
  type Exported,
  type Person,
  type Reviewed,
  RevokedBy,
  type Session,
  SessionPhase,
} from "@vis/proto/vis/access/v1/log_pb";
import {
  AgencyKind,
  AgencyLevel,
  type Document,
  Mode,
  type RequestAccessRequest,
} from "@vis/proto/vis/access/v1/request_pb";
import type { Appended, EntryBody } from "./log/writer.ts";
import { checkApprover } from "./policy/approve.ts";
import { checkCamera, evaluate, type GrantPlan } from "./policy/evaluate.ts";
import type { FactsSource } from "./policy/facts.ts";
import { actionName, actionOf, basisName, modeName, modeOf } from "./policy/names.ts";
import type { Profile } from "./policy/profile.ts";
import type { Finding } from "./policy/reason.ts";
import type { Projection } from "./state/projection.ts";

export interface AuthorizerDeps {
  readonly profile: Profile;
  readonly facts: FactsSource;
  readonly projection: Projection;
  readonly append: (id: string, body: EntryBody) => Promise<Appended>;
  readonly issuer: () => GrantIssuer;
  readonly jwks: () => Jwks;
  /** Publishes the revocation event for gateways. */
  readonly announceRevocation: (r: {
    grantId: string;
    by: RevokedBy;
    reason: string;
    endsAt: number;
    logIndex: number;
  }) => Promise<void>;
  readonly now?: () => number;
}

const toReason = (f: Finding): Reason =>
  create(ReasonSchema, {
    code: f.code,
    article: f.article,
    message: f.message,
    cameraId: f.cameraId ?? "",
    field: f.field ?? "",
  });

/**
 * The authorizer's behaviour, transport-free: decide, approve, revoke, refresh, check a play,
 * register sessions/exports/reviews. Every act is appended to the registration log before it is
 * answered; the Redis projection is updated from the same entry.
 */
export class Authorizer {
  private readonly now: () => number;

  constructor(private readonly d: AuthorizerDeps) {
    this.now = d.now ?? Date.now;
  }

  async requestAccess(req: RequestAccessRequest): Promise<Decision> {
    const known = await this.d.projection.request(req.requestId);
    if (known !== undefined) return this.withToken(known.decision, known.index);
    const now = this.now();
    const facts = await this.d.facts.get(req.cameraIds);
    const result = evaluate(this.d.profile, req, facts, now);
    const decision = create(DecisionSchema, {
      requestId: req.requestId,
      outcome:
        result.outcome === "granted"
          ? Outcome.GRANTED
          : result.outcome === "pending_approval"
            ? Outcome.PENDING_APPROVAL
            : Outcome.DENIED,
      reasons: result.reasons.map(toReason),
      profile: this.d.profile.id,
      decidedAt: timestampFromMs(now),
    });
    if (result.outcome === "granted") decision.grant = grantOf(result.plan, req);
    const appended = await this.d.append(`req-${req.requestId}`, {
      case: "decided",
      value: { request: req, decision },
    });
    await this.d.projection.apply(appended.index, appended.entry, true);
    if (!appended.duplicate) return this.fresh(decision, req, appended.index);
    const stored =
      appended.entry.body.case === "decided" ? appended.entry.body.value.decision : undefined;
    return this.withToken(stored ?? decision, appended.index);
  }

  async getDecision(requestId: string): Promise<Decision> {
    const known = await this.d.projection.request(requestId);
    if (known === undefined)
      throw new VisError("not_found", `no request ${requestId}`, { field: "request_id" });
    return this.withToken(known.decision, known.index);
  }

  async approve(a: {
    requestId: string;
    approver: Person;
    approve: boolean;
    document: Document | undefined;
    note: string;
    jurisdiction: readonly string[];
  }): Promise<Decision> {
    const known = await this.d.projection.request(a.requestId);
    if (known === undefined)
      throw new VisError("not_found", `no request ${a.requestId}`, { field: "request_id" });
    if (known.decision.outcome !== Outcome.PENDING_APPROVAL) {
      throw new VisError(
        "failed_precondition",
        `request ${a.requestId} is not pending approval (${Outcome[known.decision.outcome]})`,
        { field: "request_id" },
      );
    }
    const req = known.request;
    const basis = basisName(req.basis);
    const rule = basis === undefined ? undefined : this.d.profile.bases[basis]?.approval;
    if (rule === undefined)
      throw new VisError("failed_precondition", "this basis takes no approval", {
        field: "request_id",
      });
    const now = this.now();
    const facts = await this.d.facts.get(req.cameraIds);
    const refusals = checkApprover(rule, req, facts, a.approver, a.jurisdiction);
    if (refusals.length > 0) {
      // The attempt is registered too; the request stays pending.
      const attempt = create(DecisionSchema, {
        requestId: a.requestId,
        outcome: Outcome.PENDING_APPROVAL,
        reasons: refusals.map(toReason),
        profile: this.d.profile.id,
        decidedAt: timestampFromMs(now),
      });
      const refused = await this.d.append(`apv-refused-${randomUUID()}`, {
        case: "approved",
        value: {
          requestId: a.requestId,
          approver: a.approver,
          approve: a.approve,
          document: a.document,
          note: a.note,
          decision: attempt,
        },
      });
      await this.d.projection.apply(refused.index, refused.entry, true);
      const first = refusals[0] as Finding;
      throw new VisError("permission_denied", first.message, {
        field: first.field ?? "approver",
        article: first.article,
      });
    }
    let decision: Decision;
    if (!a.approve) {
      decision = create(DecisionSchema, {
        requestId: a.requestId,
        outcome: Outcome.DENIED,
        reasons: [
          toReason({
            code: "approval.refused",
            article: rule.article,
            message: `${rule.article}: the approver refused`,
          }),
        ],
        profile: this.d.profile.id,
        decidedAt: timestampFromMs(now),
      });
    } else {
      const again = evaluate(this.d.profile, req, facts, now);
      if (again.outcome === "denied") {
        decision = create(DecisionSchema, {
          requestId: a.requestId,
          outcome: Outcome.DENIED,
          reasons: again.reasons.map(toReason),
          profile: this.d.profile.id,
          decidedAt: timestampFromMs(now),
        });
      } else {
        decision = create(DecisionSchema, {
          requestId: a.requestId,
          outcome: Outcome.GRANTED,
          profile: this.d.profile.id,
          decidedAt: timestampFromMs(now),
          grant: grantOf(again.plan, req),
        });
      }
    }
    const appended = await this.d.append(`apv-${a.requestId}`, {
      case: "approved",
      value: {
        requestId: a.requestId,
        approver: a.approver,
        approve: a.approve,
        document: a.document,
        note: a.note,
        decision,
      },
    });
    await this.d.projection.apply(appended.index, appended.entry, true);
    const stored =
      appended.entry.body.case === "approved" ? appended.entry.body.value.decision : undefined;
    return this.withToken(stored ?? decision, appended.index);
  }

  async revoke(r: {
    grantId: string;
    by: RevokedBy;
    person: Person | undefined;
    reason: string;
    /** An approver's districts; every camera of the grant must lie in them. */
    jurisdiction?: readonly string[];
  }): Promise<{ revokedNow: boolean; logIndex: number }> {
    const g = await this.d.projection.grant(r.grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${r.grantId}`, { field: "grant_id" });
    const req = (await this.d.projection.request(g.requestId))?.request;
    await this.checkRevoker(r.by, r.person, req, g.grant, r.jurisdiction ?? []);
    return this.revokeGrant(r.grantId, r.by, r.person, r.reason);
  }

  /** Revokes without checking who asks (expiry, registry facts, and checked API calls). */
  async revokeGrant(
    grantId: string,
    by: RevokedBy,
    person: Person | undefined,
    reason: string,
    cameraId = "",
  ): Promise<{ revokedNow: boolean; logIndex: number }> {
    const g = await this.d.projection.grant(grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${grantId}`, { field: "grant_id" });
    if (g.revoked) return { revokedNow: false, logIndex: 0 };
    const appended = await this.d.append(`rev-${grantId}`, {
      case: "revoked",
      value: { grantId, by, person, reason, grantEndsAt: timestampFromMs(g.endsAt), cameraId },
    });
    await this.d.projection.apply(appended.index, appended.entry, true);
    await this.d.announceRevocation({
      grantId,
      by,
      reason,
      endsAt: g.endsAt,
      logIndex: appended.index,
    });
    return { revokedNow: !appended.duplicate, logIndex: appended.index };
  }

  private async checkRevoker(
    by: RevokedBy,
    p: Person | undefined,
    req: RequestAccessRequest | undefined,
    grant: Grant,
    jurisdiction: readonly string[],
  ): Promise<void> {
    const deny = (message: string, field = "person"): never => {
      throw new VisError("permission_denied", message, { field, article: "Art. 24" });
    };
    if (p === undefined || p.workId === "")
      deny("a revocation names the person who revokes", "person.work_id");
    const person = p as Person;
    switch (by) {
      case RevokedBy.APPROVER:
        if (person.agencyKind !== AgencyKind.POLICE || person.agencyLevel < AgencyLevel.COUNTY) {
          deny(
            "an approver's revocation needs police of county level or higher",
            "person.agency_level",
          );
        }
        {
          // As for an approval: the approver's jurisdiction covers every camera of the grant.
          const facts = await this.d.facts.get(grant.cameraIds);
          const outside = grant.cameraIds.filter((id) => {
            const district = facts.get(id)?.district;
            return district === undefined || !jurisdiction.includes(district);
          });
          if (outside.length > 0) {
            deny(
              `cameras ${outside.join(", ")} lie outside the approver's jurisdiction (${jurisdiction.join(", ") || "none"})`,
              "jurisdiction",
            );
          }
        }
        return;
      case RevokedBy.REQUESTING_AGENCY:
        if (req?.requester?.agencyId !== person.agencyId)
          deny(
            `only agency ${req?.requester?.agencyId} may revoke its own grant`,
            "person.agency_id",
          );
        return;
      case RevokedBy.OPERATOR_OPT_OUT: {
        // Only the operator that owns one of the grant's cameras may opt out of it.
        const facts = await this.d.facts.get(grant.cameraIds);
        const owners = new Set([...facts.values()].map((f) => f.ownerAgencyId));
        if (!owners.has(person.agencyId)) {
          deny(
            `only the operator of the grant's cameras may opt out (${[...owners].join(", ") || "unknown"})`,
            "person.agency_id",
          );
        }
        return;
      }
      default:
        deny("revocation by expiry or registry facts is the authorizer's own", "by");
    }
  }

  async refresh(grantId: string): Promise<Grant> {
    const g = await this.d.projection.grant(grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${grantId}`, { field: "grant_id" });
    if (g.revoked)
      throw new VisError("permission_denied", `grant ${grantId} was revoked`, {
        field: "grant_id",
        article: "Art. 24",
      });
    if (g.endsAt <= this.now())
      throw new VisError("permission_denied", `grant ${grantId} has ended`, { field: "grant_id" });
    const rec = await this.d.projection.request(g.requestId);
    return this.tokenFor(g.grant, rec?.request);
  }

  async checkPlay(c: {
    token: string;
    cameraId: string;
    mode: number;
    action: number;
    window: { from: number; to: number } | undefined;
    openSessions: number;
  }): Promise<{
    allowed: boolean;
    reason: string;
    article: string;
    message: string;
    grantId: string;
    endsAt: number;
    maxSessions: number;
  }> {
    const refuse = (reason: string, message: string, article = "Art. 24", grantId = "") => ({
      allowed: false,
      reason,
      article,
      message,
      grantId,
      endsAt: 0,
      maxSessions: 0,
    });
    const mode = modeName(c.mode);
    const action = actionName(c.action);
    let claims: Awaited<ReturnType<typeof verifyGrant>>;
    try {
      claims = await verifyGrant(c.token, {
        keys: this.d.jwks(),
        now: this.now(),
        camera: c.cameraId,
        ...(mode === undefined ? {} : { mode }),
        ...(action === undefined ? {} : { action }),
        ...(c.window === undefined ? {} : { window: c.window }),
      });
    } catch (err) {
      if (err instanceof GrantError) return refuse(err.reason, err.message);
      throw err;
    }
    const g = await this.d.projection.grant(claims.grantId);
    if (g === undefined)
      return refuse(
        "unknown_grant",
        `grant ${claims.grantId} is not known`,
        "Art. 24",
        claims.grantId,
      );
    if (g.revoked)
      return refuse("revoked", `grant ${claims.grantId} was revoked`, "Art. 24", claims.grantId);
    if (g.endsAt <= this.now())
      return refuse("expired", `grant ${claims.grantId} has ended`, "Art. 24", claims.grantId);
    if (c.openSessions >= claims.maxSessions) {
      return refuse(
        "max_sessions",
        `grant ${claims.grantId} allows ${claims.maxSessions} concurrent sessions`,
        "Art. 25",
        claims.grantId,
      );
    }
    const facts = await this.d.facts.get([c.cameraId]);
    const fromMs = c.window === undefined ? undefined : c.window.from * 1000;
    const finding = checkCamera(
      this.d.profile,
      c.cameraId,
      facts.get(c.cameraId),
      mode,
      fromMs,
      this.now(),
    );
    if (finding !== undefined)
      return refuse(finding.code, finding.message, finding.article, claims.grantId);
    return {
      allowed: true,
      reason: "",
      article: "",
      message: "",
      grantId: claims.grantId,
      endsAt: g.endsAt,
      maxSessions: claims.maxSessions,
    };
  }

  async recordSession(s: Session): Promise<number> {
    const g = await this.d.projection.grant(s.grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${s.grantId}`, { field: "session.grant_id" });
    if (s.phase === SessionPhase.UNSPECIFIED)
      throw new VisError("invalid_argument", "session.phase: start or end", {
        field: "session.phase",
      });
    // The gateway does not know the mode; the grant does.
    const value = s.mode === Mode.UNSPECIFIED ? { ...s, mode: g.grant.mode } : s;
    const appended = await this.d.append(`ses-${s.sessionId}-${s.phase}`, {
      case: "session",
      value,
    });
    await this.d.projection.apply(appended.index, appended.entry, true);
    return appended.index;
  }

  async recordExport(e: Exported): Promise<number> {
    const g = await this.d.projection.grant(e.grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${e.grantId}`, { field: "exported.grant_id" });
    if (actionName(g.grant.action) === "view") {
      throw new VisError(
        "permission_denied",
        `grant ${e.grantId} allows viewing only, not copying`,
        { field: "exported.grant_id", article: "Art. 24" },
      );
    }
    const appended = await this.d.append(`exp-${randomUUID()}`, { case: "exported", value: e });
    await this.d.projection.apply(appended.index, appended.entry, true);
    return appended.index;
  }

  /**
   * Registers an export that already happened (reported by the archive): always registered, once
   * per export id; returns whether the grant allowed copying (false is a finding for auditors).
   */
  async registerExport(
    exportId: string,
    e: Exported,
  ): Promise<{ index: number; allowed: boolean }> {
    const g = await this.d.projection.grant(e.grantId);
    const allowed = g !== undefined && actionName(g.grant.action) !== "view" && !g.revoked;
    const index = await this.registerFact(`exp-${exportId}`, { case: "exported", value: e });
    return { index, allowed };
  }

  /**
   * Registers a fact another service already acted on (an export, an archive removal, a legal
   * hold, a refused change): appended once per `id` — a fact reported again, even long after (a
   * reporter's outbox retrying), finds its entry — then projected.
   */
  async registerFact(id: string, body: EntryBody): Promise<number> {
    const known = await this.d.projection.factIndex(id);
    if (known !== undefined) return known;
    const appended = await this.d.append(id, body);
    await this.d.projection.apply(appended.index, appended.entry, true);
    return appended.index;
  }

  async review(r: Reviewed): Promise<number> {
    const g = await this.d.projection.grant(r.grantId);
    if (g === undefined)
      throw new VisError("not_found", `no grant ${r.grantId}`, { field: "review.grant_id" });
    if (!g.grant.reviewRequired)
      throw new VisError("failed_precondition", `grant ${r.grantId} needs no review`, {
        field: "review.grant_id",
      });
    const appended = await this.d.append(`rvw-${r.grantId}`, { case: "reviewed", value: r });
    await this.d.projection.apply(appended.index, appended.entry, true);
    return appended.index;
  }

  /** Revokes every active grant on `cameraIds` whose camera the registry no longer shares for it. */
  async onFactsChanged(cameraIds: readonly string[], why: string): Promise<number> {
    let revoked = 0;
    const facts = await this.d.facts.get(cameraIds);
    for (const cameraId of cameraIds) {
      for (const grantId of await this.d.projection.grantsOfCamera(cameraId)) {
        const g = await this.d.projection.grant(grantId);
        if (g === undefined || g.revoked) continue;
        const f = facts.get(cameraId);
        // Facts not (yet) known are no evidence of a withdrawal (e.g. while the projection replays).
        if (f === undefined) continue;
        const finding = checkCamera(
          this.d.profile,
          cameraId,
          f,
          modeName(g.grant.mode),
          undefined,
          this.now(),
        );
        if (finding === undefined || finding.code === "camera.outside_hours") continue;
        const by =
          finding.code === "camera.not_shared" ||
          finding.code === "camera.live_only" ||
          finding.code === "camera.recorded_only"
            ? RevokedBy.OPERATOR_OPT_OUT
            : RevokedBy.REGISTRY_FACT;
        await this.revokeGrant(
          grantId,
          by,
          undefined,
          `${why}: ${finding.message} (${finding.article})`,
          cameraId,
        );
        revoked++;
      }
    }
    return revoked;
  }

  /** Revokes grants that have ended (by expiry), so every end is registered and announced. */
  async sweepExpired(): Promise<number> {
    const ended = await this.d.projection.ended(this.now());
    for (const grantId of ended)
      await this.revokeGrant(grantId, RevokedBy.EXPIRY, undefined, "the grant's time ended");
    return ended.length;
  }

  /** A decision just appended by this call: the token is signed without reading back. */
  private async fresh(
    decision: Decision,
    req: RequestAccessRequest,
    logIndex: number,
  ): Promise<Decision> {
    const out = create(DecisionSchema, { ...decision, logIndex: BigInt(logIndex) });
    if (decision.outcome === Outcome.GRANTED && decision.grant !== undefined) {
      out.grant = await this.tokenFor(decision.grant, req);
    }
    return out;
  }

  private async withToken(decision: Decision, logIndex: number): Promise<Decision> {
    const out = create(DecisionSchema, { ...decision, logIndex: BigInt(logIndex) });
    const g = decision.grant;
    if (decision.outcome !== Outcome.GRANTED || g === undefined) return out;
    const rec = await this.d.projection.grant(g.grantId);
    if (rec !== undefined && (rec.revoked || rec.endsAt <= this.now())) return out;
    const req = (await this.d.projection.request(decision.requestId))?.request;
    out.grant = await this.tokenFor(g, req);
    return out;
  }

  private async tokenFor(g: Grant, req: RequestAccessRequest | undefined): Promise<Grant> {
    const endsAt = g.endsAt === undefined ? this.now() : timestampMs(g.endsAt);
    const w = g.window;
    const { token, claims } = await this.d.issuer().issue(
      {
        grantId: g.grantId,
        agencyId: req?.requester?.agencyId ?? "",
        officers: req?.officers.map((o) => o.workId) ?? [],
        cameras: g.cameraIds,
        mode: modeName(g.mode) ?? "live",
        action: actionName(g.action) ?? "view",
        ...(w?.from !== undefined && w.to !== undefined
          ? {
              window: {
                from: Math.floor(timestampMs(w.from) / 1000),
                to: Math.ceil(timestampMs(w.to) / 1000),
              },
            }
          : {}),
        maxSessions: g.maxSessions,
        emergency: g.emergency,
      },
      { now: this.now(), ttlSec: this.d.profile.tokenTtlSec, notAfter: endsAt },
    );
    return create(GrantSchema, {
      ...g,
      token,
      kid: claims.kid,
      tokenExpiresAt: timestampFromMs(claims.expiresAt * 1000),
    });
  }
}

function grantOf(plan: GrantPlan, req: RequestAccessRequest): Grant {
  return create(GrantSchema, {
    grantId: `g-${randomUUID()}`,
    cameraIds: [...plan.cameras],
    mode: modeOf(plan.mode),
    action: actionOf(plan.action),
    ...(plan.window === undefined ? {} : { window: req.window }),
    endsAt: timestampFromMs(plan.endsAt),
    maxSessions: plan.maxSessions,
    emergency: plan.emergency,
    reviewRequired: plan.reviewRequired,
  });
}
