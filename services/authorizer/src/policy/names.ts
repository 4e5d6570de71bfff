import type { GrantAction, GrantMode } from "@vis/grants";
import {
  Action,
  AgencyKind,
  AgencyLevel,
  Basis,
  DocumentKind,
  Mode,
} from "@vis/proto/vis/access/v1/request_pb";
import type { AgencyKindName, BasisName, DocumentKindName, LevelName } from "./profile.ts";

// The one place where proto enums become the names profiles are written in.

const BASES = new Map<Basis, BasisName>([
  [Basis.LAW_ENFORCEMENT, "law_enforcement"],
  [Basis.INVESTIGATION, "investigation"],
  [Basis.ADMINISTRATIVE, "administrative"],
  [Basis.EMERGENCY, "emergency"],
  [Basis.INTERESTED_PARTY, "interested_party"],
]);
const KINDS = new Map<AgencyKind, AgencyKindName>([
  [AgencyKind.POLICE, "police"],
  [AgencyKind.STATE_SECURITY, "state_security"],
  [AgencyKind.INVESTIGATIVE, "investigative"],
  [AgencyKind.ADMINISTRATIVE, "administrative"],
  [AgencyKind.EMERGENCY, "emergency"],
  [AgencyKind.JUDICIAL, "judicial"],
  [AgencyKind.PARTY, "party"],
]);
const LEVELS = new Map<AgencyLevel, LevelName>([
  [AgencyLevel.STATION, "station"],
  [AgencyLevel.COUNTY, "county"],
  [AgencyLevel.CITY, "city"],
  [AgencyLevel.PROVINCE, "province"],
  [AgencyLevel.NATIONAL, "national"],
]);
const DOCUMENTS = new Map<DocumentKind, DocumentKindName>([
  [DocumentKind.CERTIFYING, "certifying"],
  [DocumentKind.LEGAL_INSTRUMENT, "legal_instrument"],
  [DocumentKind.ENFORCEMENT, "enforcement"],
  [DocumentKind.EMERGENCY_ORDER, "emergency_order"],
  [DocumentKind.JUDICIAL_APPLICATION, "judicial_application"],
  [DocumentKind.CASE_PAPERS, "case_papers"],
]);
const ACTIONS = new Map<Action, GrantAction>([
  [Action.VIEW, "view"],
  [Action.EXPORT, "export"],
  [Action.RETRIEVE, "retrieve"],
]);

export const basisName = (b: Basis): BasisName | undefined => BASES.get(b);
export const kindName = (k: AgencyKind): AgencyKindName | undefined => KINDS.get(k);
export const levelName = (l: AgencyLevel): LevelName | undefined => LEVELS.get(l);
export const documentKindName = (d: DocumentKind): DocumentKindName | undefined => DOCUMENTS.get(d);
export const actionName = (a: Action): GrantAction | undefined => ACTIONS.get(a);
export const modeName = (m: Mode): GrantMode | undefined =>
  m === Mode.LIVE ? "live" : m === Mode.RECORDED ? "recorded" : undefined;

export const modeOf = (m: GrantMode): Mode => (m === "live" ? Mode.LIVE : Mode.RECORDED);
export const actionOf = (a: GrantAction): Action =>
  a === "view" ? Action.VIEW : a === "export" ? Action.EXPORT : Action.RETRIEVE;
