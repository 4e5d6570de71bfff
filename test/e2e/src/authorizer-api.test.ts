import { fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { verifyGrant } from "@vis/grants";
import { type SignedCheckpoint, verifyCheckpoint, verifyInclusion } from "@vis/grants/log";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { GrantRevokedEventSchema } from "@vis/proto/vis/access/v1/events_pb";
import { RevokedBy, SessionPhase } from "@vis/proto/vis/access/v1/log_pb";
import {
  Action,
  AgencyKind,
  AgencyLevel,
  Basis,
  DocumentKind,
  Mode,
} from "@vis/proto/vis/access/v1/request_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthzHub,
  DISTRICT,
  lawfulRequest,
  OFFICERS,
  seedRegistry,
  startAuthzHub,
} from "./authorizer-fixture.ts";
import { eventually } from "./hub-fixture.ts";
import { refusal } from "./registry-fixture.ts";

// The authorizer as a process, with the registry as the source of camera facts, on real NATS/Redis.
let hub: AuthzHub;
let nc: NatsConnection;
let shortGrant = "";
let shortGrantAt = 0;
const revocations: { grantId: string; by: number; at: number }[] = [];

beforeAll(async () => {
  hub = await startAuthzHub();
  await seedRegistry(hub);
  // A grant of the shortest duration (60 s): its end is registered and announced by the sweep.
  shortGrant =
    (
      await hub.access.requestAccess(
        lawfulRequest({
          durationSeconds: 60,
          cameraIds: ["cam-live"],
          mode: Mode.LIVE,
          window: undefined,
        }),
      )
    ).decision?.grant?.grantId ?? "";
  shortGrantAt = Date.now();
  nc = await connect({ servers: hub.nats.url });
  const sub = nc.subscribe("vis.access.grant.revoked");
  void (async () => {
    for await (const m of sub) {
      const e = fromBinary(GrantRevokedEventSchema, m.data);
      revocations.push({ grantId: e.grantId, by: e.by, at: Date.now() });
    }
  })();
});
afterAll(async () => {
  await nc?.close();
  await hub?.stop();
});

const logSize = async () => Number((await hub.log.getCheckpoint({})).checkpoint?.size ?? 0);
const jwks = async () => JSON.parse((await hub.access.getJwks({})).jwksJson);

describe("authorizer: decisions, grants and the per-play check", () => {
  it("grants a lawful Art. 24(a) request with a signed, scoped token; CheckPlay answers per camera, mode, window", async () => {
    const req = lawfulRequest();
    const { decision } = await hub.access.requestAccess(req);
    expect(decision?.outcome).toBe(Outcome.GRANTED);
    const grant = decision?.grant;
    expect(grant?.token).toMatch(/^ey/);
    expect(grant?.cameraIds).toEqual(["cam-a"]);
    const claims = await verifyGrant(grant?.token ?? "", {
      keys: await jwks(),
      camera: "cam-a",
      mode: "recorded",
      action: "view",
    });
    expect(claims).toMatchObject({
      grantId: grant?.grantId,
      officers: ["010001", "010002"],
      maxSessions: 2,
    });

    const play = (over: Record<string, unknown>) =>
      hub.access.checkPlay({
        token: grant?.token ?? "",
        cameraId: "cam-a",
        mode: Mode.RECORDED,
        action: Action.VIEW,
        window: req.window,
        ...over,
      });
    expect(await play({})).toMatchObject({
      allowed: true,
      grantId: grant?.grantId,
      maxSessions: 2,
    });
    expect(await play({ cameraId: "cam-b" })).toMatchObject({
      allowed: false,
      reason: "camera_not_granted",
    });
    expect(await play({ mode: Mode.LIVE, window: undefined })).toMatchObject({
      allowed: false,
      reason: "mode_not_granted",
    });
    expect(await play({ action: Action.EXPORT })).toMatchObject({
      allowed: false,
      reason: "action_not_granted",
    });
    expect(await play({ openSessions: 2 })).toMatchObject({
      allowed: false,
      reason: "max_sessions",
    });
    expect(
      await play({
        window: {
          from: timestampFromMs(Date.now() - 5 * 3_600_000),
          to: timestampFromMs(Date.now() - 3_600_000),
        },
      }),
    ).toMatchObject({ allowed: false, reason: "window_not_granted" });
    expect(await play({ token: `${grant?.token.slice(0, -3)}AAA` })).toMatchObject({
      allowed: false,
      reason: "bad_signature",
    });
  });

  it("a retried request (same request_id) returns the same decision and registers nothing new", async () => {
    const req = lawfulRequest();
    const first = await hub.access.requestAccess(req);
    const size = await logSize();
    const again = await hub.access.requestAccess(req);
    expect(again.decision?.grant?.grantId).toBe(first.decision?.grant?.grantId);
    expect(again.decision?.logIndex).toBe(first.decision?.logIndex);
    expect(await logSize()).toBe(size);
  });

  it("denials cite the article and are registered; bad input is an error naming the field and registers nothing", async () => {
    const before = await logSize();
    const one = await hub.access.requestAccess(lawfulRequest({ officers: [OFFICERS[0]] }));
    expect(one.decision?.outcome).toBe(Outcome.DENIED);
    expect(one.decision?.reasons.map((r) => [r.code, r.article, r.field])).toEqual([
      ["officers.too_few", "Art. 25(1)", "officers"],
    ]);
    const live = await hub.access.requestAccess(lawfulRequest({ cameraIds: ["cam-live"] }));
    expect(live.decision?.reasons.map((r) => [r.code, r.article, r.cameraId])).toEqual([
      ["camera.live_only", "Art. 14", "cam-live"],
    ]);
    const old = await hub.access.requestAccess(
      lawfulRequest({
        window: {
          from: timestampFromMs(Date.now() - 40 * 86_400_000),
          to: timestampFromMs(Date.now() - 39 * 86_400_000),
        },
      }),
    );
    expect(old.decision?.reasons[0]).toMatchObject({
      code: "window.outside_retention",
      article: "Art. 21(7)",
    });
    expect(old.decision?.reasons[0]?.message).toMatch(/kept 30 days; the oldest available is/);
    await eventually("three denials in the log", async () => (await logSize()) === before + 3);

    const noWindow = await refusal(() =>
      hub.access.requestAccess(lawfulRequest({ window: undefined })),
    );
    expect(noWindow).toMatchObject({ code: "invalid_argument", field: "window" });
    const badHash = lawfulRequest();
    if (badHash.document) badHash.document.sha256 = "not-a-hash";
    const err = await refusal(() => hub.access.requestAccess(badHash));
    expect(err).toBeInstanceOf(VisError);
    expect(err).toMatchObject({ code: "invalid_argument", field: "document.sha256" });
    expect(await logSize()).toBe(before + 3);
  });

  it("Art. 24(c): pending → wrong level and self-approval refused → approved by county police of the district → granted", async () => {
    const req = lawfulRequest({
      requester: {
        agencyId: "wujin-transport",
        kind: AgencyKind.ADMINISTRATIVE,
        level: AgencyLevel.COUNTY,
        district: "wujin",
      },
      basis: Basis.ADMINISTRATIVE,
      document: {
        kind: DocumentKind.ENFORCEMENT,
        number: "T-1",
        issuer: "Wujin transport",
        issuerKind: AgencyKind.ADMINISTRATIVE,
        issuerLevel: AgencyLevel.COUNTY,
        issuedAt: timestampFromMs(Date.now() - 3_600_000),
        sha256: "cd".repeat(32),
      },
    });
    const pending = await hub.access.requestAccess(req);
    expect(pending.decision?.outcome).toBe(Outcome.PENDING_APPROVAL);
    expect(pending.decision?.reasons[0]).toMatchObject({
      code: "approval.required",
      article: "Art. 24(c)",
    });
    const approver = {
      agencyId: "wujin-police",
      agencyKind: AgencyKind.POLICE,
      agencyLevel: AgencyLevel.COUNTY,
      name: "Zhao Lei",
      workId: "020001",
    };
    const station = await refusal(() =>
      hub.access.approve({
        requestId: req.requestId,
        approver: { ...approver, agencyLevel: AgencyLevel.STATION },
        approve: true,
        jurisdiction: ["wujin"],
      }),
    );
    expect(station).toMatchObject({
      code: "permission_denied",
      article: "Art. 24(c)",
      field: "approver.agency_level",
    });
    const elsewhere = await refusal(() =>
      hub.access.approve({
        requestId: req.requestId,
        approver,
        approve: true,
        jurisdiction: ["xinbei"],
      }),
    );
    expect(elsewhere).toMatchObject({ code: "permission_denied", field: "jurisdiction" });
    const self = await refusal(() =>
      hub.access.approve({
        requestId: req.requestId,
        approver: { ...approver, workId: "010001" },
        approve: true,
        jurisdiction: ["wujin"],
      }),
    );
    expect(self).toMatchObject({ code: "permission_denied", field: "approver.work_id" });
    expect((await hub.access.getDecision({ requestId: req.requestId })).decision?.outcome).toBe(
      Outcome.PENDING_APPROVAL,
    );
    const ok = await hub.access.approve({
      requestId: req.requestId,
      approver,
      approve: true,
      jurisdiction: ["wujin"],
    });
    expect(ok.decision?.outcome).toBe(Outcome.GRANTED);
    expect(ok.decision?.grant?.token).toMatch(/^ey/);
    const again = await refusal(() =>
      hub.access.approve({
        requestId: req.requestId,
        approver,
        approve: true,
        jurisdiction: ["wujin"],
      }),
    );
    expect(again).toMatchObject({ code: "failed_precondition" });
    const q = await hub.log.queryLog({ officerWorkId: "020001", kinds: ["approved"] });
    // Every attempt is registered: two refused and the approval by 020001, the self-approval by 010001.
    expect(q.entries.length).toBe(3);
    const selfAttempt = await hub.log.queryLog({ officerWorkId: "010001", kinds: ["approved"] });
    expect(
      selfAttempt.entries.map(
        (e) => e.body.case === "approved" && e.body.value.decision?.reasons[0]?.code,
      ),
    ).toEqual(["approval.self"]);
  });

  it("Art. 24(d): an emergency grant is time-boxed (12 h) and flagged for review; the review is registered once", async () => {
    const req = lawfulRequest({
      requester: {
        agencyId: "cz-emergency",
        kind: AgencyKind.EMERGENCY,
        level: AgencyLevel.CITY,
        district: "wujin",
      },
      basis: Basis.EMERGENCY,
      document: {
        kind: DocumentKind.EMERGENCY_ORDER,
        number: "E-9",
        issuer: "city emergency office",
        issuerKind: AgencyKind.EMERGENCY,
        issuerLevel: AgencyLevel.CITY,
        issuedAt: timestampFromMs(Date.now() - 60_000),
        sha256: "ef".repeat(32),
      },
      durationSeconds: 604_800,
    });
    const { decision } = await hub.access.requestAccess(req);
    expect(decision?.grant).toMatchObject({ emergency: true, reviewRequired: true });
    const ends = Number(decision?.grant?.endsAt?.seconds ?? 0n) * 1000;
    expect(ends - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);
    const reviewer = {
      agencyId: "cz-police",
      agencyKind: AgencyKind.POLICE,
      agencyLevel: AgencyLevel.CITY,
      name: "Sun Li",
      workId: "030001",
    };
    const r = await hub.access.review({
      review: { grantId: decision?.grant?.grantId ?? "", reviewer, note: "justified" },
    });
    const r2 = await hub.access.review({
      review: { grantId: decision?.grant?.grantId ?? "", reviewer, note: "justified" },
    });
    expect(r2.logIndex).toBe(r.logIndex);
  });

  it("sessions and exports are registered and auditors can ask who saw which camera", async () => {
    const req = lawfulRequest({ action: Action.EXPORT });
    const { decision } = await hub.access.requestAccess(req);
    const grantId = decision?.grant?.grantId ?? "";
    await hub.access.recordSession({
      session: {
        sessionId: "s-1",
        grantId,
        cameraId: "cam-a",
        viewer: "010001",
        phase: SessionPhase.START,
        mode: Mode.RECORDED,
        agencyId: "wujin-police",
      },
    });
    await hub.access.recordSession({
      session: {
        sessionId: "s-1",
        grantId,
        cameraId: "cam-a",
        viewer: "010001",
        phase: SessionPhase.END,
        bytes: 123_456n,
        mode: Mode.RECORDED,
        agencyId: "wujin-police",
      },
    });
    await hub.access.recordExport({
      exported: {
        grantId,
        cameraId: "cam-a",
        window: req.window,
        viewer: "010002",
        sha256: "11".repeat(32),
        bytes: 999n,
        agencyId: "wujin-police",
      },
    });
    const viewOnly =
      (await hub.access.requestAccess(lawfulRequest())).decision?.grant?.grantId ?? "";
    const copy = await refusal(() =>
      hub.access.recordExport({
        exported: {
          grantId: viewOnly,
          cameraId: "cam-a",
          viewer: "010002",
          agencyId: "wujin-police",
        },
      }),
    );
    expect(copy).toMatchObject({ code: "permission_denied", article: "Art. 24" });
    const sessions = await hub.log.queryLog({ cameraId: "cam-a", kinds: ["session", "exported"] });
    expect(sessions.entries.map((e) => e.body.case)).toEqual(["session", "session", "exported"]);
    const byOfficer = await hub.log.queryLog({ officerWorkId: "010002", kinds: ["exported"] });
    expect(byOfficer.entries).toHaveLength(1);
    const byAgency = await hub.log.queryLog({
      agencyId: "wujin-police",
      cameraId: "cam-a",
      from: timestampFromMs(Date.now() - 60_000),
    });
    expect(byAgency.entries.length).toBeGreaterThanOrEqual(5);
  });

  it("signed checkpoints verify with the JWKS; an inclusion proof proves an entry as stored", async () => {
    const { checkpoint } = await hub.log.getCheckpoint({});
    const size = Number(checkpoint?.size ?? 0);
    expect(size).toBeGreaterThan(5);
    const signed: SignedCheckpoint = {
      origin: checkpoint?.origin ?? "",
      size,
      rootHash: checkpoint?.rootHash ?? new Uint8Array(),
      time: new Date(
        Number(checkpoint?.time?.seconds ?? 0n) * 1000 +
          Math.round((checkpoint?.time?.nanos ?? 0) / 1e6),
      ).toISOString(),
      kid: checkpoint?.kid ?? "",
      signature: checkpoint?.signature ?? new Uint8Array(),
    };
    expect(verifyCheckpoint(signed, await jwks())).toBe(true);
    expect(verifyCheckpoint({ ...signed, size: size + 1 }, await jwks())).toBe(false);
    const { entries } = await hub.log.getEntries({ start: 2n, count: 1 });
    const proof = await hub.log.getInclusionProof({ index: 2n, treeSize: BigInt(size) });
    const { leafHash } = await import("@vis/grants/log");
    expect(
      Buffer.from(leafHash(entries[0]?.data ?? new Uint8Array())).equals(
        Buffer.from(proof.leafHash),
      ),
    ).toBe(true);
    expect(verifyInclusion(2, size, proof.leafHash, proof.path, signed.rootHash)).toBe(true);
  });

  it("revocation by the requesting agency is published on NATS and CheckPlay refuses at once", async () => {
    const req = lawfulRequest();
    const grant = (await hub.access.requestAccess(req)).decision?.grant;
    const someoneElse = await refusal(() =>
      hub.access.revoke({
        grantId: grant?.grantId ?? "",
        by: RevokedBy.REQUESTING_AGENCY,
        person: { agencyId: "other", workId: "9" },
        reason: "x",
      }),
    );
    expect(someoneElse).toMatchObject({ code: "permission_denied" });
    const sent = Date.now();
    const r = await hub.access.revoke({
      grantId: grant?.grantId ?? "",
      by: RevokedBy.REQUESTING_AGENCY,
      person: { agencyId: "wujin-police", workId: "010001" },
      reason: "case closed",
    });
    expect(r.revokedNow).toBe(true);
    await eventually("the revocation event", () =>
      revocations.some((x) => x.grantId === grant?.grantId),
    );
    const seen = revocations.find((x) => x.grantId === grant?.grantId);
    console.log(`revocation event seen ${(seen?.at ?? 0) - sent} ms after the Revoke call`);
    const play = await hub.access.checkPlay({
      token: grant?.token ?? "",
      cameraId: "cam-a",
      mode: Mode.RECORDED,
      action: Action.VIEW,
    });
    expect(play).toMatchObject({ allowed: false, reason: "revoked" });
    const twice = await hub.access.revoke({
      grantId: grant?.grantId ?? "",
      by: RevokedBy.REQUESTING_AGENCY,
      person: { agencyId: "wujin-police", workId: "010001" },
      reason: "again",
    });
    expect(twice.revokedNow).toBe(false);
  });

  it("the gateways' session events (VIS_GATEWAY) are registered as session entries, once", async () => {
    const grant = (
      await hub.access.requestAccess(
        lawfulRequest({ cameraIds: ["cam-live"], mode: Mode.LIVE, window: undefined }),
      )
    ).decision?.grant;
    const { jetstream, jetstreamManager, DiscardPolicy } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info("VIS_GATEWAY").catch(() =>
      jsm.streams.add({
        name: "VIS_GATEWAY",
        subjects: ["vis.gateway.session.*", "vis.gateway.play.*"],
        discard: DiscardPolicy.New,
        deny_delete: true,
        deny_purge: true,
      }),
    );
    const js = jetstream(nc);
    const { SessionStartedSchema, SessionEndedSchema, SessionEndReason, PlayProtocol } =
      await import("@vis/proto/vis/gateway/v1/events_pb");
    const { create, toBinary } = await import("@bufbuild/protobuf");
    const session = {
      sessionId: "gw-s-1",
      grantId: grant?.grantId ?? "",
      cameraId: "cam-live",
      agencyId: "wujin-police",
      viewer: "010001,010002",
      protocol: PlayProtocol.HTTP_FLV,
      startedAt: timestampFromMs(Date.now()),
    };
    const meta = (id: string) => ({
      id,
      time: timestampFromMs(Date.now()),
      actor: { service: "gateway" },
    });
    const started = toBinary(
      SessionStartedSchema,
      create(SessionStartedSchema, { meta: meta("gw-s-1-start"), session }),
    );
    await js.publish("vis.gateway.session.started", started, { msgID: "gw-s-1-start" });
    await js.publish(
      "vis.gateway.session.ended",
      toBinary(
        SessionEndedSchema,
        create(SessionEndedSchema, {
          meta: meta("gw-s-1-end"),
          session,
          endedAt: timestampFromMs(Date.now()),
          reason: SessionEndReason.VIEWER_LEFT,
          bytes: 4096n,
        }),
      ),
      { msgID: "gw-s-1-end" },
    );
    const sessions = async () =>
      (await hub.log.queryLog({ cameraId: "cam-live", kinds: ["session"] })).entries.filter(
        (e) => e.body.case === "session" && e.body.value.sessionId === "gw-s-1",
      );
    await eventually(
      "the gateway's sessions in the log",
      async () => (await sessions()).length === 2,
      20_000,
    );
    // The same session reported again through RecordSession is not registered twice.
    await hub.access.recordSession({
      session: {
        sessionId: "gw-s-1",
        grantId: grant?.grantId ?? "",
        cameraId: "cam-live",
        viewer: "010001,010002",
        phase: SessionPhase.START,
        agencyId: "wujin-police",
      },
    });
    const entries = await sessions();
    expect(entries).toHaveLength(2);
    const [start, end] = entries.map((e) => (e.body.case === "session" ? e.body.value : undefined));
    expect(start).toMatchObject({
      phase: SessionPhase.START,
      viewer: "010001,010002",
      mode: Mode.LIVE,
    });
    expect(end).toMatchObject({ phase: SessionPhase.END, bytes: 4096n, endReason: "viewer_left" });
  });

  it("the archive's export events (VIS_ARCHIVE) are registered as exported entries, once per export", async () => {
    const grant = (
      await hub.access.requestAccess(
        lawfulRequest({
          action: Action.EXPORT,
          cameraIds: ["cam-live"],
          mode: Mode.LIVE,
          window: undefined,
        }),
      )
    ).decision?.grant;
    const { jetstream, jetstreamManager, DiscardPolicy } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info("VIS_ARCHIVE").catch(() =>
      jsm.streams.add({
        name: "VIS_ARCHIVE",
        subjects: [
          "vis.archive.export.*",
          "vis.archive.segment.*",
          "vis.archive.request.*",
          "vis.archive.recording.*",
        ],
        discard: DiscardPolicy.New,
        deny_delete: true,
        deny_purge: true,
      }),
    );
    const js = jetstream(nc);
    const { ExportCreatedSchema } = await import("@vis/proto/vis/archive/v1/events_pb");
    const { create, toBinary } = await import("@bufbuild/protobuf");
    const event = toBinary(
      ExportCreatedSchema,
      create(ExportCreatedSchema, {
        meta: { id: "x-1", time: timestampFromMs(Date.now()), actor: { service: "gateway" } },
        exportId: "x-1",
        cameraId: "cam-live",
        window: {
          from: timestampFromMs(Date.now() - 600_000),
          to: timestampFromMs(Date.now() - 300_000),
        },
        grantId: grant?.grantId ?? "",
        agencyId: "wujin-police",
        officers: ["010001", "010002"],
        clipSha256: "12".repeat(32),
        clipBytes: 777n,
      }),
    );
    await js.publish("vis.archive.export.created", event, { msgID: "x-1" });
    await js.publish("vis.archive.export.created", event, { msgID: "x-1-again" }); // redelivered copy
    const exports = async () =>
      (await hub.log.queryLog({ cameraId: "cam-live", kinds: ["exported"] })).entries.filter(
        (e) => e.body.case === "exported" && e.body.value.sha256 === "12".repeat(32),
      );
    await eventually(
      "the archive's export in the log",
      async () => (await exports()).length === 1,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const entries = await exports();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.body.value).toMatchObject({
      viewer: "010001,010002",
      bytes: 777n,
      agencyId: "wujin-police",
    });
  });

  it("only the operator of the grant's cameras may revoke by opt-out", async () => {
    const grant = (await hub.access.requestAccess(lawfulRequest())).decision?.grant;
    const stranger = await refusal(() =>
      hub.access.revoke({
        grantId: grant?.grantId ?? "",
        by: RevokedBy.OPERATOR_OPT_OUT,
        person: { agencyId: "another-operator", workId: "op-1" },
        reason: "x",
      }),
    );
    expect(stranger).toMatchObject({ code: "permission_denied", field: "person.agency_id" });
    const r = await hub.access.revoke({
      grantId: grant?.grantId ?? "",
      by: RevokedBy.OPERATOR_OPT_OUT,
      person: { agencyId: "wujin-mall", workId: "op-1" },
      reason: "closing",
    });
    expect(r.revokedNow).toBe(true);
  });

  it("an operator's withdrawal in the registry revokes live grants on its cameras and denies new requests", async () => {
    const grant = (
      await hub.access.requestAccess(
        lawfulRequest({ cameraIds: ["cam-b"], mode: Mode.LIVE, window: undefined }),
      )
    ).decision?.grant;
    expect(grant?.grantId).toBeTruthy();
    const { system } = await hub.reg.getSystem({ id: "mall" });
    await hub.reg.setSharing({
      systemId: "mall",
      optedIn: false,
      limits: system?.sharing?.limits,
      expectedVersion: system?.version ?? 0n,
    });
    await eventually(
      "the opt-out revocation",
      () =>
        revocations.some(
          (x) => x.grantId === grant?.grantId && x.by === RevokedBy.OPERATOR_OPT_OUT,
        ),
      20_000,
    );
    const play = await hub.access.checkPlay({
      token: grant?.token ?? "",
      cameraId: "cam-b",
      mode: Mode.LIVE,
      action: Action.VIEW,
    });
    expect(play).toMatchObject({ allowed: false, reason: "revoked" });
    const denied = await hub.access.requestAccess(lawfulRequest({ cameraIds: ["cam-b"] }));
    expect(denied.decision?.reasons.map((x) => x.code)).toEqual(["camera.not_shared"]);
  });

  it("after Redis is wiped and the authorizer restarts, decisions, grants, revocations and facts are rebuilt", async () => {
    // cam-live (system "shop") stays shared live; "mall" was withdrawn by the test before.
    const live = { cameraIds: ["cam-live"], mode: Mode.LIVE, window: undefined };
    const req = lawfulRequest(live);
    const before = (await hub.access.requestAccess(req)).decision;
    const revoked = (await hub.access.requestAccess(lawfulRequest(live))).decision?.grant;
    const approver = {
      agencyId: "wujin-police",
      agencyKind: AgencyKind.POLICE,
      agencyLevel: AgencyLevel.COUNTY,
      workId: "020001",
    };
    // An approver whose jurisdiction does not cover the camera's district may not revoke.
    const outside = await refusal(() =>
      hub.access.revoke({
        grantId: revoked?.grantId ?? "",
        by: RevokedBy.APPROVER,
        person: approver,
        reason: "audit",
        jurisdiction: ["tianning"],
      }),
    );
    expect(outside).toMatchObject({ code: "permission_denied", field: "jurisdiction" });
    await hub.access.revoke({
      grantId: revoked?.grantId ?? "",
      by: RevokedBy.APPROVER,
      person: approver,
      reason: "audit",
      jurisdiction: [DISTRICT],
    });
    const { Redis } = await import("ioredis");
    const redis = new Redis(hub.redis.url);
    await redis.flushall();
    redis.disconnect();
    await hub.authorizer.stop();
    await hub.restartAuthorizer();
    await eventually(
      "the decision rebuilt from the log",
      async () => {
        const d = (await hub.access.getDecision({ requestId: req.requestId })).decision;
        return d?.grant?.grantId === before?.grant?.grantId;
      },
      30_000,
    );
    const play = await hub.access.checkPlay({
      token: revoked?.token ?? "",
      cameraId: "cam-live",
      mode: Mode.LIVE,
      action: Action.VIEW,
    });
    expect(play).toMatchObject({ allowed: false, reason: "revoked" });
    // Facts replayed from the registry's stream: cam-live is known again (live only, not unknown).
    await eventually(
      "the registry facts replayed",
      async () => {
        const d = await hub.access.requestAccess(lawfulRequest({ cameraIds: ["cam-live"] }));
        return d.decision?.reasons[0]?.code === "camera.live_only";
      },
      30_000,
    );
  });

  it("a grant that ends is revoked by expiry and announced", async () => {
    expect(shortGrant).not.toBe("");
    await eventually(
      "the expiry revocation",
      () => revocations.some((x) => x.grantId === shortGrant && x.by === RevokedBy.EXPIRY),
      90_000,
    );
    const seen = revocations.find((x) => x.grantId === shortGrant);
    expect((seen?.at ?? 0) - shortGrantAt).toBeGreaterThanOrEqual(59_000);
    const q = await hub.log.queryLog({ kinds: ["revoked"] });
    expect(
      q.entries.some(
        (e) =>
          e.body.case === "revoked" &&
          e.body.value.grantId === shortGrant &&
          e.body.value.by === RevokedBy.EXPIRY,
      ),
    ).toBe(true);
  }, 120_000);
});
