import { VisError } from "@vis/errors";
import { GrantError, type Jwks, type RevocationList, verifyGrant } from "@vis/grants";
import type { PlayGrant } from "../sessions/play-authorizer.ts";

/** A recorded-footage request as the HTTP edge parsed it; nothing trusted yet. */
export interface RecordedRequest {
  readonly camera: string;
  /**
   * `view` plays (HTTP-FLV, HLS); `export` copies (MP4 with a signed manifest, Art. 24 复制);
   * `retrieve` (调取) places a legal hold on the window for a case.
   */
  readonly action: "view" | "export" | "retrieve";
  readonly fromMs: number;
  readonly toMs: number;
  readonly token: string | undefined;
}

export interface RecordedGrant extends PlayGrant {
  readonly officers: readonly string[];
}

export interface RecordedAuthorizerPort {
  authorize(request: RecordedRequest): Promise<RecordedGrant | VisError>;
}

/**
 * The recorded twin of the live path's `GrantsAuthorizer`: the same JWKS source and revocation
 * list, verified locally with `@vis/grants` for mode `recorded`, the action, and the requested
 * window (which must lie inside the granted one).
 */
export class RecordedAuthorizer implements RecordedAuthorizerPort {
  readonly #keys: () => Jwks | undefined;
  readonly #revoked: RevocationList;
  readonly #onUnknownKey: (() => void) | undefined;

  constructor(keys: () => Jwks | undefined, revoked: RevocationList, onUnknownKey?: () => void) {
    this.#keys = keys;
    this.#revoked = revoked;
    this.#onUnknownKey = onUnknownKey;
  }

  async authorize(r: RecordedRequest): Promise<RecordedGrant | VisError> {
    if (r.token === undefined) {
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
      const c = await verifyGrant(r.token, {
        keys,
        camera: r.camera,
        mode: "recorded",
        action: r.action,
        window: { from: Math.floor(r.fromMs / 1000), to: Math.ceil(r.toMs / 1000) },
        isRevoked: this.#revoked.isRevoked,
      });
      return {
        grantId: c.grantId,
        sessionLimit: c.maxSessions,
        expiresAt: new Date(c.expiresAt * 1000),
        agency: c.agencyId,
        viewer: c.officers.join(","),
        officers: c.officers,
      };
    } catch (err) {
      if (err instanceof GrantError && err.reason === "unknown_key") this.#onUnknownKey?.();
      return VisError.from(err);
    }
  }
}
