/**
 * The revocation set a verifier keeps in memory, filled from `vis.access.grant.revoked` events
 * (and, at start, from the authorizer's ListRevocations). An entry can be forgotten once the
 * grant has ended: no token of it verifies after that anyway.
 */
export class RevocationList {
  private readonly until = new Map<string, number>();

  /** Marks `grantId` revoked; `grantEndsAt` (epoch ms) is when it can be forgotten. */
  add(grantId: string, grantEndsAt: number): void {
    const prev = this.until.get(grantId) ?? 0;
    this.until.set(grantId, Math.max(prev, grantEndsAt));
  }

  has(grantId: string): boolean {
    return this.until.has(grantId);
  }

  /** Drops entries whose grant ended before `now`; returns how many were dropped. */
  prune(now = Date.now()): number {
    let dropped = 0;
    for (const [id, end] of this.until) {
      if (end < now) {
        this.until.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.until.size;
  }

  /** A bound `isRevoked` for `verifyGrant`. */
  readonly isRevoked = (grantId: string): boolean => this.until.has(grantId);
}
