import { VisError } from "@vis/errors";
import { GrantError, type Jwks, RevocationList, verifyGrant } from "@vis/grants";
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
    if (request.token === undefined) {
      return new VisError("unauthenticated", "a grant token is required (?token= or Bearer)", {
        field: "token",
        article: "Art. 24",
      });
    }
    const keys = this.#keys();
    if (keys === undefined) {
      return new VisError("unavailable", "grant keys are not loaded yet; try again shortly");
    }
    try {
      const c = await verifyGrant(request.token, {
        keys,
        camera: request.camera,
        mode: request.mode,
        action: "view",
        isRevoked: this.revoked.isRevoked,
      });
      return {
        grantId: c.grantId,
        sessionLimit: c.maxSessions,
        expiresAt: new Date(c.expiresAt * 1000),
        agency: c.agencyId,
        viewer: c.officers.join(","),
      };
    } catch (err) {
      if (err instanceof GrantError && err.reason === "unknown_key") this.#onUnknownKey?.();
      return VisError.from(err);
    }
  }
}
