import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** The signing algorithm of every grant token: EdDSA over Ed25519 (RFC 8037). */
export const GRANT_ALG = "EdDSA";

/** One signing key as stored by the authorizer (private part included). */
export interface StoredKey {
  readonly kid: string;
  /** Ed25519 private key as a JWK (`kty: OKP`, `crv: Ed25519`, `d`, `x`). */
  readonly privateJwk: JWK;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which the key no longer signs (it still verifies until `retireAt`). */
  readonly rotatedAt?: number;
  /** Epoch ms after which the key is dropped from the JWKS. */
  readonly retireAt?: number;
}

/** Public keys as a JWKS (RFC 7517), what the gateway needs to verify tokens locally. */
export interface Jwks {
  keys: JWK[];
}

/** The key ring: the newest key signs, older keys keep verifying until their tokens expired. */
export interface KeyRing {
  readonly keys: readonly StoredKey[];
}

/** A fresh Ed25519 key with a random key id. */
export async function generateSigningKey(now = Date.now()): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(GRANT_ALG, { extractable: true });
  const kid = `k-${new Date(now).toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  const jwk = await exportJWK(privateKey);
  return { kid, privateJwk: { ...jwk, kid, alg: GRANT_ALG, use: "sig" }, createdAt: now };
}

/**
 * Rotation: a new key becomes the signer; the old ones stop signing now and stay in the JWKS until
 * `graceMs` (≥ the longest token lifetime) has passed, so tokens already out keep verifying.
 */
export async function rotateKeyRing(
  ring: KeyRing,
  graceMs: number,
  now = Date.now(),
): Promise<KeyRing> {
  const fresh = await generateSigningKey(now);
  const kept = ring.keys
    .filter((k) => k.retireAt === undefined || k.retireAt > now)
    .map((k) =>
      k.rotatedAt === undefined ? { ...k, rotatedAt: now, retireAt: now + graceMs } : k,
    );
  return { keys: [fresh, ...kept] };
}

/** The key that signs now: the newest one not rotated out. */
export function currentKey(ring: KeyRing): StoredKey | undefined {
  return ring.keys.find((k) => k.rotatedAt === undefined);
}

/** The public half of every key still valid for verification, as a JWKS. */
export function publicJwks(ring: KeyRing, now = Date.now()): Jwks {
  return {
    keys: ring.keys
      .filter((k) => k.retireAt === undefined || k.retireAt > now)
      .map((k) => {
        const { d: _d, ...pub } = k.privateJwk;
        return { ...pub, kid: k.kid, alg: GRANT_ALG, use: "sig" };
      }),
  };
}
