import type { VisError } from "@vis/errors";
import type { PlayGrant, PlayRequest } from "./play-authorizer.ts";
import type { EndReason, Session, SessionRegistry } from "./session-registry.ts";

interface Entry {
  readonly session: Session;
  lastSeen: number;
  bytes: number;
}

/**
 * HLS has no connection to hold: a session is one (grant, viewer address, camera) fetching
 * playlists and segments; it starts at its first authorised request and ends `idleMs` after its
 * last one, or when the registry kicks it (revocation, expiry) — later requests are then
 * authorised afresh and refused.
 */
export class HlsSessions {
  readonly #registry: SessionRegistry;
  readonly #idleMs: number;
  readonly #onStart: (s: Session) => void;
  readonly #onEnd: (s: Session, reason: EndReason) => void;
  readonly #entries = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    registry: SessionRegistry,
    idleMs: number,
    onStart: (s: Session) => void,
    onEnd: (s: Session, reason: EndReason) => void,
  ) {
    this.#registry = registry;
    this.#idleMs = idleMs;
    this.#onStart = onStart;
    this.#onEnd = onEnd;
    this.#sweeper = setInterval(() => this.#sweep(), 1000);
    this.#sweeper.unref();
  }

  /**
   * The session this request belongs to (opened now if new), or why it is refused. `busyMs`: the
   * viewer is busy with what this request returns for that long (a recorded segment's duration),
   * so the idle time counts from then.
   */
  touch(
    grant: PlayGrant,
    request: Pick<PlayRequest, "camera" | "remoteAddress">,
    busyMs = 0,
  ): { key: string } | VisError {
    const key = `${grant.grantId}|${request.remoteAddress}|${request.camera}`;
    const seen = Date.now() + Math.max(0, busyMs);
    const existing = this.#entries.get(key);
    if (existing) {
      existing.lastSeen = Math.max(existing.lastSeen, seen);
      return { key };
    }
    const refused = this.#registry.check(grant);
    if (refused) return refused;
    const entry: Entry = {
      lastSeen: seen,
      bytes: 0,
      session: this.#registry.open(
        {
          grant,
          camera: request.camera,
          protocol: "hls",
          remoteAddress: request.remoteAddress,
          bytes: () => entry.bytes,
        },
        (reason) => this.#end(key, reason),
      ),
    };
    this.#entries.set(key, entry);
    this.#onStart(entry.session);
    return { key };
  }

  /** True while the session `key` lasts (not idle, not kicked). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  addBytes(key: string, n: number): void {
    const e = this.#entries.get(key);
    if (e) e.bytes += n;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #end(key: string, reason: EndReason): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#registry.close(e.session.id);
    this.#onEnd(e.session, reason);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, e] of this.#entries) {
      if (now - e.lastSeen > this.#idleMs) this.#end(key, "viewer_left");
    }
  }
}
