import { randomUUID } from "node:crypto";
import { VisError } from "@vis/errors";
import { importJWK, SignJWT } from "jose";
import {
  GRANT_AUDIENCE,
  GRANT_ISSUER,
  type GrantClaims,
  type GrantPayload,
  type GrantScope,
} from "./claims.ts";
import { currentKey, GRANT_ALG, type KeyRing } from "./keys.ts";

export interface IssueOptions {
  /** Epoch ms (default now). */
  readonly now?: number;
  /** Token lifetime in seconds; the token never outlives `notAfter`. */
  readonly ttlSec: number;
  /** Epoch ms the grant itself ends (the token's `exp` is capped at it). */
  readonly notAfter?: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly claims: GrantClaims;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** Signs grant tokens with the ring's current key. Keep one per key ring (keys are imported once). */
export class GrantIssuer {
  private readonly imported = new Map<string, SigningKey>();

  constructor(private ring: KeyRing) {}

  /** Replaces the ring (after a rotation or a reload). */
  setRing(ring: KeyRing): void {
    this.ring = ring;
  }

  async issue(scope: GrantScope, options: IssueOptions): Promise<IssuedToken> {
    const key = currentKey(this.ring);
    if (key === undefined)
      throw new VisError("failed_precondition", "no signing key in the key ring");
    let signing = this.imported.get(key.kid);
    if (signing === undefined) {
      signing = await importJWK(key.privateJwk, GRANT_ALG);
      this.imported.set(key.kid, signing);
    }
    const nowSec = Math.floor((options.now ?? Date.now()) / 1000);
    let exp = nowSec + options.ttlSec;
    if (options.notAfter !== undefined) exp = Math.min(exp, Math.floor(options.notAfter / 1000));
    if (exp <= nowSec) throw new VisError("failed_precondition", "the grant has already ended");
    const payload: GrantPayload = {
      iss: GRANT_ISSUER,
      aud: GRANT_AUDIENCE,
      sub: scope.grantId,
      jti: randomUUID(),
      iat: nowSec,
      nbf: nowSec,
      exp,
      agy: scope.agencyId,
      ofc: [...scope.officers],
      cam: [...scope.cameras],
      mod: scope.mode,
      act: scope.action,
      max: scope.maxSessions,
    };
    if (scope.window !== undefined) payload.win = [scope.window.from, scope.window.to];
    if (scope.emergency === true) payload.emg = true;
    const token = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: GRANT_ALG, kid: key.kid, typ: "vis-grant+jwt" })
      .sign(signing);
    return {
      token,
      claims: { ...scope, tokenId: payload.jti, kid: key.kid, issuedAt: nowSec, expiresAt: exp },
    };
  }
}
