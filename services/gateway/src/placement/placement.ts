import { createHash } from "node:crypto";

/** A gateway instance that can serve plays, as its presence announced it. */
export interface GatewayPeer {
  readonly instanceId: string;
  /** `http://host:port` of its play server. */
  readonly playUrl: string;
  readonly sessions: number;
  /** Sessions it accepts before plays are placed elsewhere. */
  readonly capacity: number;
}

/**
 * Which gateway serves a new play of `camera`: rendezvous (highest random weight) hashing of the
 * camera over the live gateways that have room. Every gateway computes the same answer from the
 * same peer list, so a camera's viewers gather on one gateway (one pull) and cameras spread evenly;
 * when that gateway is full or gone, the next in the camera's own order takes over.
 */
export function placeCamera(
  camera: string,
  peers: readonly GatewayPeer[],
): GatewayPeer | undefined {
  let best: GatewayPeer | undefined;
  let bestScore = -1n;
  for (const p of peers) {
    if (p.sessions >= p.capacity) continue;
    const score = createHash("sha256")
      .update(`${camera}\u0000${p.instanceId}`)
      .digest()
      .readBigUInt64BE(0);
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

/** The peers heard from recently (presence messages), by instance id. */
export class PeerDirectory {
  readonly #peers = new Map<string, { peer: GatewayPeer; seen: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  update(peer: GatewayPeer, now = Date.now()): void {
    this.#peers.set(peer.instanceId, { peer, seen: now });
  }

  remove(instanceId: string): void {
    this.#peers.delete(instanceId);
  }

  live(now = Date.now()): GatewayPeer[] {
    const out: GatewayPeer[] = [];
    for (const [id, e] of this.#peers) {
      if (now - e.seen > this.#ttlMs) this.#peers.delete(id);
      else out.push(e.peer);
    }
    return out;
  }
}
