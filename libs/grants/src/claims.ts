/** What a grant lets its holder do: the scope signed into every token. */
export type GrantMode = "live" | "recorded";
export type GrantAction = "view" | "export" | "retrieve";

export const GRANT_MODES: readonly GrantMode[] = ["live", "recorded"];
export const GRANT_ACTIONS: readonly GrantAction[] = ["view", "export", "retrieve"];

/** Token issuer and audience: the authorizer signs, the gateway verifies. */
export const GRANT_ISSUER = "vis-authorizer";
export const GRANT_AUDIENCE = "vis-gateway";

/** A recorded-footage window in epoch seconds, `from` inclusive, `to` exclusive. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/** The scope of one grant, as the authorizer decided it. */
export interface GrantScope {
  /** The grant id (also the JWT `sub`); revocation names it. */
  readonly grantId: string;
  /** The requesting agency. */
  readonly agencyId: string;
  /** The officers (≥ 2, Art. 25) who may watch under this grant. */
  readonly officers: readonly string[];
  readonly cameras: readonly string[];
  readonly mode: GrantMode;
  readonly action: GrantAction;
  /** Recorded footage only: the window that may be played. */
  readonly window?: TimeWindow;
  /** Most sessions the gateway may hold open at once under this grant. */
  readonly maxSessions: number;
  /** Emergency grants (Art. 24(d)) are time-boxed and reviewed afterwards. */
  readonly emergency?: boolean;
}

/** The verified claims of a grant token. Times are epoch seconds. */
export interface GrantClaims extends GrantScope {
  readonly tokenId: string;
  readonly kid: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The JWT payload as signed (short names keep tokens small). */
export interface GrantPayload {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  agy: string;
  ofc: string[];
  cam: string[];
  mod: GrantMode;
  act: GrantAction;
  win?: [number, number];
  max: number;
  emg?: true;
}
