import { randomBytes } from "node:crypto";
import { VisError } from "@vis/errors";
import type { PlayGrant, PlayProtocol } from "./play-authorizer.ts";

export type EndReason =
  | "viewer_left"
  | "grant_revoked"
  | "grant_expired"
  | "slow_reader"
  | "upstream_lost"
  | "gateway_stopping";

export interface Session {
  readonly id: string;
  readonly grant: PlayGrant;
  readonly camera: string;
  readonly protocol: PlayProtocol;
  readonly remoteAddress: string;
  readonly startedAt: Date;
  /** Bytes sent so far (read at the end for the session record). */
  bytes(): number;
}

interface Live {
  readonly session: Session;
  readonly kick: (reason: EndReason) => void;
  readonly expiry: NodeJS.Timeout;
}

/**
 * Live sessions indexed by grant: enforces each grant's session limit, refuses revoked grants,
 * and ends a grant's sessions when it expires or is revoked (`kick` destroys the socket at once).
 */
export class SessionRegistry {
  readonly #live = new Map<string, Live>();
  readonly #byGrant = new Map<string, Set<string>>();
  /** Revoked grant ids, kept until the grant would have expired anyway. */
  readonly #revoked = new Map<string, number>();

  get size(): number {
    return this.#live.size;
  }

  /** Refuses the grant if revoked, expired or at its session limit; else undefined. */
  check(grant: PlayGrant, now = Date.now()): VisError | undefined {
    if (this.#revoked.has(grant.grantId)) {
      return new VisError("permission_denied", "grant revoked", { field: "token" });
    }
    if (grant.expiresAt.getTime() <= now) {
      return new VisError("unauthenticated", "grant expired", { field: "token" });
    }
    const open = this.#byGrant.get(grant.grantId)?.size ?? 0;
    if (open >= grant.sessionLimit) {
      return new VisError(
        "resource_exhausted",
        `grant allows ${grant.sessionLimit} concurrent session(s)`,
        { field: "token" },
      );
    }
    return undefined;
  }

  /** Registers a session (after `check`); `kick` must end its connection. */
  open(
    init: Omit<Session, "id" | "startedAt">,
    kick: (reason: EndReason) => void,
    now = Date.now(),
  ): Session {
    const session: Session = {
      ...init,
      id: `s-${randomBytes(8).toString("hex")}`,
      startedAt: new Date(now),
    };
    const ms = Math.min(2 ** 31 - 1, Math.max(0, init.grant.expiresAt.getTime() - now));
    const expiry = setTimeout(() => this.#kick(session.id, "grant_expired"), ms);
    this.#live.set(session.id, { session, kick, expiry });
    let set = this.#byGrant.get(init.grant.grantId);
    if (!set) {
      set = new Set();
      this.#byGrant.set(init.grant.grantId, set);
    }
    set.add(session.id);
    return session;
  }

  /** Forgets a session that ended by itself. Returns it, or undefined if already gone. */
  close(id: string): Session | undefined {
    const live = this.#live.get(id);
    if (!live) return undefined;
    clearTimeout(live.expiry);
    this.#live.delete(id);
    const set = this.#byGrant.get(live.session.grant.grantId);
    set?.delete(id);
    if (set?.size === 0) this.#byGrant.delete(live.session.grant.grantId);
    return live.session;
  }

  /** Marks the grant revoked and ends its sessions; returns how many were ended. */
  revoke(grantId: string, until: number = Date.now() + 24 * 3600_000): number {
    this.#revoked.set(grantId, until);
    this.#prune();
    const ids = [...(this.#byGrant.get(grantId) ?? [])];
    for (const id of ids) this.#kick(id, "grant_revoked");
    return ids.length;
  }

  isRevoked(grantId: string): boolean {
    return this.#revoked.has(grantId);
  }

  list(): Session[] {
    return [...this.#live.values()].map((l) => l.session);
  }

  /** Ends every session (shutdown). */
  endAll(reason: EndReason): void {
    for (const id of [...this.#live.keys()]) this.#kick(id, reason);
  }

  #kick(id: string, reason: EndReason): void {
    const live = this.#live.get(id);
    if (!live) return;
    live.kick(reason);
    this.close(id);
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, until] of this.#revoked) if (until < now) this.#revoked.delete(id);
  }
}
