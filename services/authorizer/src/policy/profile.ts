/**
 * A rule profile: the regulation's access rules as data. The engine (`evaluate.ts`, `approve.ts`)
 * reads only this; a new regulation (e.g. the 2025 national one) is a new profile file.
 */
export type BasisName =
  | "law_enforcement"
  | "investigation"
  | "administrative"
  | "emergency"
  | "interested_party";
export type AgencyKindName =
  | "police"
  | "state_security"
  | "investigative"
  | "administrative"
  | "emergency"
  | "judicial"
  | "party";
export type LevelName = "station" | "county" | "city" | "province" | "national";
export type DocumentKindName =
  | "certifying"
  | "legal_instrument"
  | "enforcement"
  | "emergency_order"
  | "judicial_application"
  | "case_papers";

/** Ranks levels for "county level or higher". */
export const LEVEL_RANK: Readonly<Record<LevelName, number>> = {
  station: 1,
  county: 2,
  city: 3,
  province: 4,
  national: 5,
};

/** One acceptable document: its kind and, optionally, who must have issued it. */
export interface DocumentRule {
  readonly kinds: readonly DocumentKindName[];
  readonly issuerKinds?: readonly AgencyKindName[];
  readonly minIssuerLevel?: LevelName;
  /** When this document is given, police approval is not needed (e.g. a judicial application). */
  readonly waivesApproval?: boolean;
}

export interface ApprovalRule {
  readonly article: string;
  readonly approverKinds: readonly AgencyKindName[];
  readonly minLevel: LevelName;
  /** The approver's jurisdiction must cover the district of every camera. */
  readonly cameraDistrict: boolean;
  /** Citing a law that allows the access waives approval (Art. 24(c) "or as laws provide"). */
  readonly waivedByLawCitation?: boolean;
}

export interface BasisRule {
  readonly article: string;
  readonly label: string;
  readonly requesterKinds: readonly AgencyKindName[];
  /** Any one of these documents satisfies the basis. */
  readonly documents: readonly DocumentRule[];
  readonly caseRefRequired: boolean;
  readonly approval?: ApprovalRule;
  /** Longest grant this basis yields (seconds); longer requests are shortened. */
  readonly maxDurationSec: number;
  /** Emergency grants: flagged for review after the fact. */
  readonly reviewAfter?: boolean;
}

export interface Profile {
  readonly id: string;
  readonly title: string;
  readonly officers: { readonly min: number; readonly article: string };
  readonly documentArticle: string;
  readonly bases: Readonly<Record<BasisName, BasisRule | undefined>>;
  /** Article cited when a camera is not shared (not opted in, withdrawn, limits). */
  readonly sharingArticle: string;
  readonly acceptanceArticle: string;
  readonly dismantledArticle: string;
  readonly retentionArticle: string;
  /** The legal minimum retention of records, days (the registration log keeps at least this). */
  readonly minRetentionDays: number;
  /** Lifetime of one token (seconds); RefreshGrant issues the next. */
  readonly tokenTtlSec: number;
  /** Concurrent sessions per camera in a grant. */
  readonly sessionsPerCamera: number;
  /** Time zone of sharing hours. */
  readonly timeZone: string;
}
