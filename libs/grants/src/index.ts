export {
  GRANT_ACTIONS,
  GRANT_AUDIENCE,
  GRANT_ISSUER,
  GRANT_MODES,
  type GrantAction,
  type GrantClaims,
  type GrantMode,
  type GrantPayload,
  type GrantScope,
  type TimeWindow,
} from "./claims.ts";
export { GrantError, type GrantRejectReason } from "./grant-error.ts";
export { GrantIssuer, type IssuedToken, type IssueOptions } from "./issue.ts";
export {
  currentKey,
  GRANT_ALG,
  generateSigningKey,
  type Jwks,
  type KeyRing,
  publicJwks,
  rotateKeyRing,
  type StoredKey,
} from "./keys.ts";
export { RevocationList } from "./revocation-list.ts";
export { type VerifyOptions, verifyGrant } from "./verify.ts";
