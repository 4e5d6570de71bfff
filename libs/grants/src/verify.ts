import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from "jose";
import {
  GRANT_ACTIONS,
  GRANT_AUDIENCE,
  GRANT_ISSUER,
  GRANT_MODES,
  type GrantAction,
  type GrantClaims,
  type GrantMode,
  type GrantPayload,
  type TimeWindow,
} from "./claims.ts";
import { GrantError } from "./grant-error.ts";
import { GRANT_ALG, type Jwks } from "./keys.ts";

export interface VerifyOptions {
  /** The authorizer's public keys (its JWKS). */
  readonly keys: Jwks;
  /** Epoch ms (default now). */
  readonly now?: number;
  /** Allowed clock skew in seconds (default 5). */
  readonly skewSec?: number;
  /** The play being authorised: each given part must be inside the grant. */
  readonly camera?: string;
  readonly mode?: GrantMode;
  readonly action?: GrantAction;
  /** Recorded play: the requested window (epoch seconds) must lie inside the granted one. */
  readonly window?: TimeWindow;
  /** The revocation check: true when the grant id was revoked. */
  readonly isRevoked?: (grantId: string) => boolean;
}

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;
const imported = new WeakMap<Jwks, Map<string, Promise<VerifyKey>>>();

function keyFor(jwks: Jwks, kid: string): Promise<VerifyKey> | undefined {
  let byKid = imported.get(jwks);
  if (byKid === undefined) {
    byKid = new Map();
    imported.set(jwks, byKid);
  }
  const cached = byKid.get(kid);
  if (cached !== undefined) return cached;
  const jwk = jwks.keys.find((k: JWK) => k.kid === kid);
  if (jwk === undefined) return undefined;
  const key = importJWK(jwk, GRANT_ALG);
  byKid.set(kid, key);
  return key;
}

/**
 * Verifies a grant token locally: signature (EdDSA, key chosen by `kid` from the JWKS), issuer,
 * audience, time, then the requested camera, mode, action and window against the signed scope,
 * then revocation. Returns the claims or throws a `GrantError` (a VisError with a stable reason).
 */
export async function verifyGrant(token: string, options: VerifyOptions): Promise<GrantClaims> {
  let kid: string;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== GRANT_ALG || typeof header.kid !== "string") throw new Error("alg/kid");
    kid = header.kid;
  } catch (err) {
    throw new GrantError("malformed", "not a grant token (EdDSA JWS with a kid)", err);
  }
  const key = keyFor(options.keys, kid);
  if (key === undefined) throw new GrantError("unknown_key", `no key "${kid}" in the JWKS`);
  let payload: GrantPayload;
  try {
    const { payload: bytes } = await compactVerify(token, await key, { algorithms: [GRANT_ALG] });
    payload = JSON.parse(new TextDecoder().decode(bytes)) as GrantPayload;
  } catch (err) {
    throw new GrantError("bad_signature", "signature does not verify", err);
  }
  const claims = toClaims(payload, kid);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const skew = options.skewSec ?? 5;
  if (payload.iss !== GRANT_ISSUER || payload.aud !== GRANT_AUDIENCE) {
    throw new GrantError("wrong_audience", `issuer ${payload.iss} / audience ${payload.aud}`);
  }
  if (now >= claims.expiresAt + skew) {
    throw new GrantError(
      "expired",
      `expired at ${new Date(claims.expiresAt * 1000).toISOString()}`,
    );
  }
  if (now + skew < payload.nbf) throw new GrantError("not_yet_valid", "token used before nbf");
  if (options.camera !== undefined && !claims.cameras.includes(options.camera)) {
    throw new GrantError("camera_not_granted", `camera ${options.camera} is not in the grant`);
  }
  if (options.mode !== undefined && options.mode !== claims.mode) {
    throw new GrantError("mode_not_granted", `mode ${options.mode}; the grant is ${claims.mode}`);
  }
  if (options.action !== undefined && options.action !== claims.action) {
    throw new GrantError(
      "action_not_granted",
      `action ${options.action}; the grant is ${claims.action}`,
    );
  }
  if (options.window !== undefined) {
    const w = claims.window;
    if (w === undefined || options.window.from < w.from || options.window.to > w.to) {
      throw new GrantError(
        "window_not_granted",
        `window ${options.window.from}–${options.window.to} is outside the grant`,
      );
    }
  }
  if (options.isRevoked?.(claims.grantId) === true) {
    throw new GrantError("revoked", `grant ${claims.grantId} was revoked`);
  }
  return claims;
}

function toClaims(p: GrantPayload, kid: string): GrantClaims {
  const ok =
    typeof p.sub === "string" &&
    typeof p.jti === "string" &&
    typeof p.agy === "string" &&
    Number.isInteger(p.iat) &&
    Number.isInteger(p.nbf) &&
    Number.isInteger(p.exp) &&
    Number.isInteger(p.max) &&
    Array.isArray(p.cam) &&
    Array.isArray(p.ofc) &&
    GRANT_MODES.includes(p.mod) &&
    GRANT_ACTIONS.includes(p.act) &&
    (p.win === undefined || (Array.isArray(p.win) && p.win.length === 2));
  if (!ok) throw new GrantError("malformed", "claims are missing or mistyped");
  const claims: GrantClaims = {
    grantId: p.sub,
    tokenId: p.jti,
    kid,
    agencyId: p.agy,
    officers: p.ofc,
    cameras: p.cam,
    mode: p.mod,
    action: p.act,
    maxSessions: p.max,
    issuedAt: p.iat,
    expiresAt: p.exp,
    ...(p.win === undefined ? {} : { window: { from: p.win[0], to: p.win[1] } }),
    ...(p.emg === true ? { emergency: true } : {}),
  };
  return claims;
}
