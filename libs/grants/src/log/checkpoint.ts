import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import type { JWK } from "jose";
import type { Jwks, StoredKey } from "../keys.ts";

/** The log's name inside every checkpoint; a checkpoint of another log never verifies here. */
export const LOG_ORIGIN = "vislink/access-log/v1";

/** A signed tree head: the first `size` entries have Merkle root `rootHash`. */
export interface SignedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** RFC 3339, milliseconds, UTC. */
  readonly time: string;
  readonly kid: string;
  readonly signature: Uint8Array;
}

/** The exact bytes signed: `origin\nsize\nbase64(root)\ntime\n` (a C2SP signed-note style body). */
export function checkpointBody(c: Omit<SignedCheckpoint, "kid" | "signature">): Uint8Array {
  return new TextEncoder().encode(
    `${c.origin}\n${c.size}\n${Buffer.from(c.rootHash).toString("base64")}\n${c.time}\n`,
  );
}

/** Signs a checkpoint with an Ed25519 key of the key ring (node:crypto). */
export function signCheckpoint(
  key: StoredKey,
  size: number,
  rootHash: Uint8Array,
  time: Date,
): SignedCheckpoint {
  const body = { origin: LOG_ORIGIN, size, rootHash, time: time.toISOString() };
  const privateKey = createPrivateKey({ key: key.privateJwk as never, format: "jwk" });
  return { ...body, kid: key.kid, signature: sign(null, checkpointBody(body), privateKey) };
}

/** True when the checkpoint's signature verifies with the JWKS key named by its kid. */
export function verifyCheckpoint(c: SignedCheckpoint, jwks: Jwks): boolean {
  if (c.origin !== LOG_ORIGIN) return false;
  const jwk = jwks.keys.find((k: JWK) => k.kid === c.kid);
  if (jwk === undefined) return false;
  try {
    const publicKey = createPublicKey({ key: jwk as never, format: "jwk" });
    return verify(null, checkpointBody(c), publicKey, c.signature);
  } catch {
    return false;
  }
}
