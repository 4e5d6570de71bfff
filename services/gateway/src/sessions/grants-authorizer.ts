import { VisError } from "@vis/errors";
import {
  type GrantClaims,
  GrantError,
  type Jwks,
  RevocationList,
  type VerifyOptions,
  verifyGrant,
} from "@vis/grants";
import type { PlayAuthorizer, PlayGrant, PlayRequest } from "./play-authorizer.ts";

/**
 * Verifies grant tokens locally with `@vis/grants`: signature against the authorizer's JWKS,
 * audience and time, the camera, mode `live` and action `view`, and the revocation list (filled
 * from `vis.access.grant.revoked`). No call per play.
 */
export class GrantsAuthorizer implements PlayAuthorizer {
  readonly revoked: RevocationList;
  readonly #keys: () => Jwks | undefined;
  readonly #onUnknownKey: (() => void) | undefined;

  /** `keys` answers undefined while no JWKS has been loaded (plays are then `unavailable`). */
  constructor(
    keys: () => Jwks | undefined,
    options: { revoked?: RevocationList; onUnknownKey?: () => void } = {},
  ) {
    this.#keys = keys;
    this.revoked = options.revoked ?? new RevocationList();
    this.#onUnknownKey = options.onUnknownKey;
  }

  async authorize(request: PlayRequest): Promise<PlayGrant | VisError> {
    const c = await checkGrantToken(request.token, this.#keys(), this.#onUnknownKey, {
      camera: request.camera,
      mode: request.mode,
      action: "view",
      isRevoked: this.revoked.isRevoked,
    });
    return c instanceof VisError ? c : playGrantOf(c);
  }
}

/** The scope a play asks for, as `verifyGrant` checks it (everything but the keys). */
export type GrantCheck = Omit<VerifyOptions, "keys">;

/**
 * The one token check of every play, live or recorded: a token must be present (401), the JWKS
 * loaded (503), and `verifyGrant` must accept it for the asked scope; a token signed by a key we
 * do not hold asks for a key refresh.
 */
export async function checkGrantToken(
  token: string | undefined,
  keys: Jwks | undefined,
  onUnknownKey: (() => void) | undefined,
  scope: GrantCheck,
): Promise<GrantClaims | VisError> {
  if (token === undefined) {
    return new VisError("unauthenticated", "a grant token is required (?token= or Bearer)", {
      field: "token",
      article: "Art. 24",
    });
  }
  if (keys === undefined) {
    return new VisError("unavailable", "grant keys are not loaded yet; try again shortly");
  }
  try {
    return await verifyGrant(token, { ...scope, keys });
  } catch (err) {
    if (err instanceof GrantError && err.reason === "unknown_key") onUnknownKey?.();
    return VisError.from(err);
  }
}

export function playGrantOf(c: GrantClaims): PlayGrant {
  return {
    grantId: c.grantId,
    sessionLimit: c.maxSessions,
    expiresAt: new Date(c.expiresAt * 1000),
    agency: c.agencyId,
    viewer: c.officers.join(","),
  };
}
