import { VisError } from "@vis/errors";
import type { Jwks, RevocationList } from "@vis/grants";
import { checkGrantToken, playGrantOf } from "../sessions/grants-authorizer.ts";
import type { PlayGrant } from "../sessions/play-authorizer.ts";

/** A recorded-footage request as the HTTP edge parsed it; nothing trusted yet. */
export interface RecordedRequest {
  readonly camera: string;
  /**
   * `view` plays (HTTP-FLV, HLS); `export` copies (MP4 with a signed manifest, Art. 24 复制);
   * `retrieve` (调取) places a legal hold on the window for a case; `any` accepts a grant of any
   * action (reading the holds on a window).
   */
  readonly action: "view" | "export" | "retrieve" | "any";
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
    const c = await checkGrantToken(r.token, this.#keys(), this.#onUnknownKey, {
      camera: r.camera,
      mode: "recorded",
      ...(r.action === "any" ? {} : { action: r.action }),
      window: { from: Math.floor(r.fromMs / 1000), to: Math.ceil(r.toMs / 1000) },
      isRevoked: this.#revoked.isRevoked,
    });
    return c instanceof VisError ? c : { ...playGrantOf(c), officers: c.officers };
  }
}
