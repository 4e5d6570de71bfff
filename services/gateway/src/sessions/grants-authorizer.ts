import { VisError } from "@vis/errors";
import { type Jwks, RevocationList, verifyGrant } from "@vis/grants";
import type { PlayAuthorizer, PlayGrant, PlayRequest } from "./play-authorizer.ts";

/**
 * Verifies grant tokens locally with `@vis/grants`: signature against the authorizer's JWKS,
 * audience and time, the camera, mode `live` and action `view`, and the revocation list (filled
 * from `vis.access.grant.revoked`). No call per play.
 */
export class GrantsAuthorizer implements PlayAuthorizer {
  readonly revoked: RevocationList;
  readonly #keys: () => Jwks;

  constructor(keys: () => Jwks, revoked: RevocationList = new RevocationList()) {
    this.#keys = keys;
    this.revoked = revoked;
  }

  async authorize(request: PlayRequest): Promise<PlayGrant | VisError> {
    if (request.token === undefined) {
      return new VisError("unauthenticated", "a grant token is required (?token= or Bearer)", {
        field: "token",
        article: "Art. 24",
      });
    }
    try {
      const c = await verifyGrant(request.token, {
        keys: this.#keys(),
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
      return VisError.from(err);
    }
  }
}
