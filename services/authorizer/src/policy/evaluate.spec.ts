import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { PersonSchema } from "@vis/proto/vis/access/v1/log_pb";
import {
  Action,
  AgencyKind,
  AgencyLevel,
  Basis,
  DocumentKind,
  Mode,
  RequestAccessRequestSchema,
} from "@vis/proto/vis/access/v1/request_pb";
import { describe, expect, it } from "vitest";
import { changzhou2014 as profile } from "../profiles/changzhou-2014.ts";
import { checkApprover } from "./approve.ts";
import { evaluate } from "./evaluate.ts";
import type { CameraFacts } from "./facts.ts";

// 2026-11-29 10:00 in Changzhou (UTC+8).
const NOW = Date.parse("2026-11-29T02:00:00Z");
const HOUR = 3_600_000;
type Over = Record<string, unknown>;

const camera = (over: Partial<CameraFacts> = {}): CameraFacts => ({
  cameraId: "cam-1",
  systemId: "sys-1",
  ownerAgencyId: "op-mall",
  district: "320412",
  optedIn: true,
  sharing: "live_and_recorded",
  lifecycle: "in_service",
  governmentFunded: false,
  accepted: true,
  retentionDays: 30,
  ...over,
});
const factsOf = (...cams: CameraFacts[]) => new Map(cams.map((c) => [c.cameraId, c]));

type BasisKey = "a" | "b" | "c" | "d" | "e";
// A valid request per basis: who asks, which document, issued by whom.
const BASES: Record<
  BasisKey,
  { basis: Basis; kind: AgencyKind; doc: DocumentKind; issuer: AgencyKind; levelRule: boolean }
> = {
  a: {
    basis: Basis.LAW_ENFORCEMENT,
    kind: AgencyKind.POLICE,
    doc: DocumentKind.CERTIFYING,
    issuer: AgencyKind.POLICE,
    levelRule: true,
  },
  b: {
    basis: Basis.INVESTIGATION,
    kind: AgencyKind.INVESTIGATIVE,
    doc: DocumentKind.LEGAL_INSTRUMENT,
    issuer: AgencyKind.INVESTIGATIVE,
    levelRule: false,
  },
  c: {
    basis: Basis.ADMINISTRATIVE,
    kind: AgencyKind.ADMINISTRATIVE,
    doc: DocumentKind.ENFORCEMENT,
    issuer: AgencyKind.ADMINISTRATIVE,
    levelRule: false,
  },
  d: {
    basis: Basis.EMERGENCY,
    kind: AgencyKind.EMERGENCY,
    doc: DocumentKind.EMERGENCY_ORDER,
    issuer: AgencyKind.EMERGENCY,
    levelRule: false,
  },
  e: {
    basis: Basis.INTERESTED_PARTY,
    kind: AgencyKind.PARTY,
    doc: DocumentKind.CASE_PAPERS,
    issuer: AgencyKind.PARTY,
    levelRule: false,
  },
};
const NEEDS_APPROVAL: Record<BasisKey, boolean> = {
  a: false,
  b: false,
  c: true,
  d: false,
  e: true,
};

type DocCase = "present" | "missing" | "wrong_level" | "wrong_kind";
type OfficerCase = "none" | "one" | "same_twice" | "two_distinct";
const OFFICERS: Record<OfficerCase, { name: string; workId: string }[]> = {
  none: [],
  one: [{ name: "Wang Wei", workId: "010001" }],
  same_twice: [
    { name: "Wang Wei", workId: "010001" },
    { name: "Wang Wei", workId: "010001" },
  ],
  two_distinct: [
    { name: "Wang Wei", workId: "010001" },
    { name: "Li Na", workId: "010002" },
  ],
};

function request(b: BasisKey, doc: DocCase, officers: OfficerCase, over: Over = {}) {
  const spec = BASES[b];
  return create(RequestAccessRequestSchema, {
    ...({} as Over),
    requestId: "req-00000001",
    requester: {
      agencyId: "agency-1",
      kind: spec.kind,
      level: AgencyLevel.COUNTY,
      district: "320412",
    },
    officers: OFFICERS[officers],
    basis: spec.basis,
    ...(doc === "missing"
      ? {}
      : {
          document: {
            kind: doc === "wrong_kind" ? DocumentKind.UNSPECIFIED : spec.doc,
            number: "CZ-2026-0042",
            issuer: "issuing organ",
            issuerKind: spec.issuer,
            issuerLevel: doc === "wrong_level" ? AgencyLevel.STATION : AgencyLevel.COUNTY,
            issuedAt: timestampFromMs(NOW - 24 * HOUR),
            sha256: "a".repeat(64),
          },
        }),
    purpose: "case work",
    caseRef: "CASE-1",
    cameraIds: ["cam-1"],
    mode: Mode.RECORDED,
    window: { from: timestampFromMs(NOW - 5 * HOUR), to: timestampFromMs(NOW - 4 * HOUR) },
    action: Action.VIEW,
    durationSeconds: 3600,
    ...over,
  });
}

/** What the table expects, written from the articles, not from the engine. */
function expected(
  b: BasisKey,
  doc: DocCase,
  officers: OfficerCase,
): { outcome: string; codes: string[] } {
  const codes: string[] = [];
  if (officers === "same_twice") codes.push("officers.not_distinct");
  if (officers === "none" || officers === "one") codes.push("officers.too_few");
  if (doc === "missing") codes.push("document.missing");
  if (doc === "wrong_kind") codes.push("document.wrong_kind");
  if (doc === "wrong_level" && BASES[b].levelRule) codes.push("document.wrong_level");
  if (codes.length > 0) return { outcome: "denied", codes };
  return NEEDS_APPROVAL[b]
    ? { outcome: "pending_approval", codes: ["approval.required"] }
    : { outcome: "granted", codes: [] };
}

const DOCS: DocCase[] = ["present", "missing", "wrong_level", "wrong_kind"];
const OFFICER_CASES: OfficerCase[] = ["none", "one", "same_twice", "two_distinct"];
const TABLE = (Object.keys(BASES) as BasisKey[]).flatMap((b) =>
  DOCS.flatMap((d) => OFFICER_CASES.map((o) => [b, d, o] as const)),
);

describe("changzhou-2014: basis × document × officers", () => {
  it.each(TABLE)("Art. 24(%s), document %s, officers %s", (b, d, o) => {
    const result = evaluate(profile, request(b, d, o), factsOf(camera()), NOW);
    const want = expected(b, d, o);
    expect(result.outcome).toBe(want.outcome);
    expect(result.reasons.map((r) => r.code).sort()).toEqual([...want.codes].sort());
    for (const r of result.reasons) expect(r.article).toMatch(/^Art\. 2[45]/);
  });

  it("the table covers 5 bases × 4 document cases × 4 officer cases", () => {
    expect(TABLE).toHaveLength(80);
  });

  it("Art. 24(a): a certifying document from a non-police/state-security organ is refused", () => {
    const req = request("a", "present", "two_distinct");
    if (req.document) req.document.issuerKind = AgencyKind.ADMINISTRATIVE;
    const r = evaluate(profile, req, factsOf(camera()), NOW);
    expect(r.reasons.map((x) => [x.code, x.field])).toEqual([
      ["document.wrong_issuer", "document.issuer_kind"],
    ]);
  });

  it("Art. 24(a) is refused to a requester that is not police or state security", () => {
    const req = request("a", "present", "two_distinct", {
      requester: {
        $typeName: "vis.access.v1.Requester",
        agencyId: "x",
        agencyName: "",
        kind: AgencyKind.ADMINISTRATIVE,
        level: AgencyLevel.CITY,
        district: "",
      },
    });
    const r = evaluate(profile, req, factsOf(camera()), NOW);
    expect(r.outcome).toBe("denied");
    expect(r.reasons[0]).toMatchObject({ code: "basis.requester_kind", article: "Art. 24(a)" });
  });

  it("no basis → denied citing Art. 24; an incomplete document names the missing field", () => {
    const none = evaluate(
      profile,
      request("a", "present", "two_distinct", { basis: Basis.UNSPECIFIED }),
      factsOf(camera()),
      NOW,
    );
    expect(none.reasons.map((r) => r.code)).toEqual(["basis.missing"]);
    const req = request("b", "present", "two_distinct");
    if (req.document) req.document.sha256 = "";
    const r = evaluate(profile, req, factsOf(camera()), NOW);
    expect(r.reasons[0]).toMatchObject({ code: "document.incomplete", field: "document.sha256" });
  });

  it("Art. 24(c) citing a law needs no approval; Art. 24(e) through a judicial application needs none", () => {
    const c = evaluate(
      profile,
      request("c", "present", "two_distinct", { lawCitation: "Food Safety Law Art. 110" }),
      factsOf(camera()),
      NOW,
    );
    expect(c.outcome).toBe("granted");
    const req = request("e", "present", "two_distinct");
    if (req.document) {
      req.document.kind = DocumentKind.JUDICIAL_APPLICATION;
      req.document.issuerKind = AgencyKind.JUDICIAL;
    }
    expect(evaluate(profile, req, factsOf(camera()), NOW).outcome).toBe("granted");
    if (req.document) req.document.issuerKind = AgencyKind.PARTY;
    expect(evaluate(profile, req, factsOf(camera()), NOW).reasons[0]?.code).toBe(
      "document.wrong_issuer",
    );
  });

  it("Art. 24(b), (d), (e) need the case or event reference", () => {
    for (const b of ["b", "d", "e"] as const) {
      const r = evaluate(
        profile,
        request(b, "present", "two_distinct", { caseRef: "" }),
        factsOf(camera()),
        NOW,
      );
      expect(r.reasons.map((x) => x.code)).toEqual(["case_ref.missing"]);
    }
  });

  it("Art. 24(d): emergency grants are time-boxed and flagged for review", () => {
    const r = evaluate(
      profile,
      request("d", "present", "two_distinct", { durationSeconds: 604_800 }),
      factsOf(camera()),
      NOW,
    );
    expect(r.outcome).toBe("granted");
    if (r.outcome !== "granted") return;
    expect(r.plan.endsAt).toBe(NOW + 12 * HOUR);
    expect(r.plan).toMatchObject({ emergency: true, reviewRequired: true, mode: "recorded" });
    const a = evaluate(profile, request("a", "present", "two_distinct"), factsOf(camera()), NOW);
    expect(a.outcome === "granted" && a.plan).toMatchObject({
      emergency: false,
      endsAt: NOW + HOUR,
      maxSessions: 2,
    });
  });
});

describe("changzhou-2014: approval paths (Art. 24(c), (e))", () => {
  const approver = (over: Record<string, unknown> = {}) =>
    create(PersonSchema, {
      agencyId: "psb-wujin",
      agencyKind: AgencyKind.POLICE,
      agencyLevel: AgencyLevel.COUNTY,
      name: "Zhao Lei",
      workId: "020001",
      ...over,
    });
  const CASES: [string, Record<string, unknown>, string[], string[]][] = [
    ["right level and district", {}, ["320412"], []],
    [
      "city level covering the district",
      { agencyLevel: AgencyLevel.CITY },
      ["320411", "320412"],
      [],
    ],
    [
      "wrong level (station)",
      { agencyLevel: AgencyLevel.STATION },
      ["320412"],
      ["approval.wrong_level"],
    ],
    ["wrong district", {}, ["320411"], ["approval.wrong_district"]],
    [
      "self-approval (an officer of the request)",
      { workId: "010002" },
      ["320412"],
      ["approval.self"],
    ],
    [
      "self-approval (the requesting agency)",
      { agencyId: "agency-1" },
      ["320412"],
      ["approval.self"],
    ],
    ["not police", { agencyKind: AgencyKind.ADMINISTRATIVE }, ["320412"], ["approval.wrong_kind"]],
  ];
  for (const b of ["c", "e"] as const) {
    it.each(CASES)(`Art. 24(${b}): %s`, (_name, over, jurisdiction, codes) => {
      const req = request(b, "present", "two_distinct");
      const r = evaluate(profile, req, factsOf(camera()), NOW);
      expect(r.outcome).toBe("pending_approval");
      if (r.outcome !== "pending_approval") return;
      const found = checkApprover(r.approval, req, factsOf(camera()), approver(over), jurisdiction);
      expect(found.map((f) => f.code)).toEqual(codes);
      for (const f of found) expect(f.article).toBe(`Art. 24(${b})`);
    });
  }
});

describe("changzhou-2014: the registry's facts (operator limits)", () => {
  const live = { mode: Mode.LIVE, window: undefined } as Over;
  const CASES: [string, Partial<CameraFacts> | undefined, Over, string | undefined, string][] = [
    ["shared camera, recorded", {}, {}, undefined, ""],
    ["not opted in", { optedIn: false }, {}, "camera.not_shared", "Art. 14"],
    ["withdrawn (sharing none)", { sharing: "none" }, live, "camera.not_shared", "Art. 14"],
    ["live-only, recorded asked", { sharing: "live_only" }, {}, "camera.live_only", "Art. 14"],
    ["live-only, live asked", { sharing: "live_only" }, live, undefined, ""],
    [
      "recorded-only, live asked",
      { sharing: "recorded_only" },
      live,
      "camera.recorded_only",
      "Art. 14",
    ],
    [
      "live inside sharing hours (10:00 in 08:00–20:00)",
      { sharingHours: [{ fromMinute: 480, toMinute: 1200 }] },
      live,
      undefined,
      "",
    ],
    [
      "live outside sharing hours (10:00 in 20:00–08:00)",
      {
        sharingHours: [
          { fromMinute: 0, toMinute: 480 },
          { fromMinute: 1200, toMinute: 1440 },
        ],
      },
      live,
      "camera.outside_hours",
      "Art. 14",
    ],
    ["dismantled", { lifecycle: "dismantled" }, {}, "camera.dismantled", "Art. 19"],
    [
      "government-funded, not accepted",
      { governmentFunded: true, accepted: false, lifecycle: "built" },
      {},
      "camera.not_accepted",
      "Art. 16",
    ],
    ["private, only planned", { lifecycle: "planned" }, {}, "camera.not_in_service", "Art. 16"],
    [
      "window beyond retention (7 days kept, 10 days asked)",
      { retentionDays: 7 },
      {
        window: {
          $typeName: "vis.access.v1.TimeWindow",
          from: timestampFromMs(NOW - 240 * HOUR),
          to: timestampFromMs(NOW - 239 * HOUR),
        },
      },
      "window.outside_retention",
      "Art. 21(7)",
    ],
    [
      "window ending in the future",
      {},
      {
        window: {
          $typeName: "vis.access.v1.TimeWindow",
          from: timestampFromMs(NOW - HOUR),
          to: timestampFromMs(NOW + HOUR),
        },
      },
      "window.future",
      "Art. 21(7)",
    ],
    ["unknown camera", undefined, {}, "camera.unknown", "Art. 14"],
  ];
  it.each(CASES)("%s", (_name, over, req, code, article) => {
    const facts = over === undefined ? factsOf() : factsOf(camera(over));
    const r = evaluate(profile, request("a", "present", "two_distinct", req), facts, NOW);
    if (code === undefined) {
      expect(r.outcome).toBe("granted");
      return;
    }
    expect(r.outcome).toBe("denied");
    expect(r.reasons.map((x) => [x.code, x.article])).toEqual([[code, article]]);
    expect(r.reasons[0]?.message).toMatch(code === "window.future" ? /future/ : /camera cam-1/);
  });

  it("names each refused camera of a multi-camera request", () => {
    const facts = factsOf(
      camera(),
      camera({ cameraId: "cam-2", optedIn: false }),
      camera({ cameraId: "cam-3", lifecycle: "dismantled" }),
    );
    const r = evaluate(
      profile,
      request("a", "present", "two_distinct", { cameraIds: ["cam-1", "cam-2", "cam-3"] }),
      facts,
      NOW,
    );
    expect(r.reasons.map((x) => [x.code, x.cameraId])).toEqual([
      ["camera.not_shared", "cam-2"],
      ["camera.dismantled", "cam-3"],
    ]);
  });
});

describe("bad input is an error naming the field, not a decision", () => {
  it.each([
    ["recorded without a window", { window: undefined }, "window"],
    [
      "window.to before window.from",
      {
        window: {
          $typeName: "vis.access.v1.TimeWindow" as const,
          from: timestampFromMs(NOW - HOUR),
          to: timestampFromMs(NOW - 2 * HOUR),
        },
      },
      "window.to",
    ],
    ["live with a window", { mode: Mode.LIVE }, "window"],
  ] as const)("%s", (_name, over, field) => {
    const err = (() => {
      try {
        evaluate(
          profile,
          request("a", "present", "two_distinct", over as Over),
          factsOf(camera()),
          NOW,
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VisError);
    expect(err).toMatchObject({ code: "invalid_argument", field });
  });
});

describe("profiles are data: a variant profile changes decisions without code", () => {
  // E.g. a stricter regulation: three officers, no Art. 24(c) path, 60-day minimum retention.
  const strict = {
    ...profile,
    id: "strict-test",
    officers: { min: 3, article: "Art. 99(1)" },
    bases: { ...profile.bases, administrative: undefined },
    retentionArticle: "Art. 99(7)",
  };
  it("the officer minimum and its article come from the profile", () => {
    const r = evaluate(strict, request("a", "present", "two_distinct"), factsOf(camera()), NOW);
    expect(r.reasons.map((x) => [x.code, x.article])).toEqual([["officers.too_few", "Art. 99(1)"]]);
  });
  it("a basis the profile lacks is no lawful basis", () => {
    const req = request("c", "present", "two_distinct", {
      officers: [...OFFICERS.two_distinct, { name: "Zhou", workId: "010003" }],
    });
    const r = evaluate(strict, req, factsOf(camera()), NOW);
    expect(r.reasons.map((x) => x.code)).toEqual(["basis.missing"]);
  });
});
