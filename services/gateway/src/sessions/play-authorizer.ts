import type { VisError } from "@vis/errors";

export type PlayProtocol = "http-flv" | "ws-flv" | "hls" | "rtmp";

/** What a viewer asks for, as the egress parsed it; nothing here is trusted yet. */
export interface PlayRequest {
  readonly camera: string;
  readonly mode: "live";
  readonly protocol: PlayProtocol;
  /** The grant token from `?token=` or `Authorization: Bearer`; undefined when absent. */
  readonly token: string | undefined;
  readonly remoteAddress: string;
}

/** What a verified grant allows this play. */
export interface PlayGrant {
  readonly grantId: string;
  /** Sessions this grant may hold at once on this gateway. */
  readonly sessionLimit: number;
  readonly expiresAt: Date;
  readonly agency: string;
  readonly viewer: string;
}

/**
 * The gateway's one question to the authorizer: may this request play? Answers a grant, or the
 * VisError to refuse with (`unauthenticated` for missing/forged/expired tokens, `permission_denied`
 * for wrong camera/mode/revoked). Implemented with `@vis/grants`; tests supply their own.
 */
export interface PlayAuthorizer {
  authorize(request: PlayRequest): Promise<PlayGrant | VisError>;
}
