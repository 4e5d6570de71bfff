import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  type Decision,
  DecisionSchema,
  type Grant,
  GrantSchema,
  Outcome,
} from "@vis/proto/vis/access/v1/decision_pb";
import type { LogEntry } from "@vis/proto/vis/access/v1/log_pb";
import {
  type RequestAccessRequest,
  RequestAccessRequestSchema,
} from "@vis/proto/vis/access/v1/request_pb";
import type { ChainableCommander, Redis } from "ioredis";
import { facets } from "../log/facets.ts";

const P = "vis:authz";
const k = {
  req: (id: string) => `${P}:req:${id}`,
  grant: (id: string) => `${P}:grant:${id}`,
  camGrants: (cam: string) => `${P}:camgrants:${cam}`,
  revoked: `${P}:revoked`,
  active: `${P}:active`,
  applied: `${P}:applied`,
  ix: (dim: string, value: string) => `${P}:ix:${dim}:${value}`,
  /** Entry id → index, for facts registered on another service's report (exactly once). */
  fact: `${P}:facts`,
};

/** Writes `fields` into hash KEYS[1] only when ARGV[1] (an entry index) is newer than its `index`. */
const SET_IF_NEWER = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'index') or '-1')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'index', ARGV[1], unpack(ARGV, 2))
return 1`;
/** Creates a grant unless it is already revoked; adds it to the active set and camera sets. */
const PUT_GRANT = `
if redis.call('HGET', KEYS[1], 'revoked') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'grant', ARGV[1], 'endsAt', ARGV[2], 'requestId', ARGV[3], 'revoked', '0')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
for i = 3, #KEYS do redis.call('SADD', KEYS[i], ARGV[4]) end
return 1`;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

export interface RequestRecord {
  readonly request: RequestAccessRequest;
  readonly decision: Decision;
  readonly index: number;
}

export interface GrantRecord {
  readonly grant: Grant;
  readonly endsAt: number;
  readonly requestId: string;
  readonly revoked: boolean;
}

/**
 * The authorizer's Redis projection of the registration log: requests and their current decision,
 * grants, revocations, and who-saw-what indexes. Rebuildable: applying the log from entry 0 again
 * gives the same state; applying an entry twice, or an older one after a newer one, changes nothing.
 */
export class Projection {
  /** Entries this process applied right after appending them; the follower skips those. */
  private readonly appliedHere = new Set<number>();

  constructor(private readonly redis: Redis) {}

  /** True (once) when this process already applied entry `index`. */
  takeAppliedHere(index: number): boolean {
    return this.appliedHere.delete(index);
  }

  /** The index of the fact registered under entry id `id`, if it is registered. */
  async factIndex(id: string): Promise<number | undefined> {
    const v = await this.redis.hget(k.fact, id);
    return v === null ? undefined : Number(v);
  }

  async apply(index: number, e: LogEntry, here = false): Promise<void> {
    await this.applyEntry(index, e);
    if (here) {
      this.appliedHere.add(index);
      if (this.appliedHere.size > 100_000) this.appliedHere.clear();
    }
  }

  private async applyEntry(index: number, e: LogEntry): Promise<void> {
    const time = e.time === undefined ? 0 : timestampMs(e.time);
    const body = e.body;
    const ix: [string, string][] = [["all", "log"]];
    // One round trip per entry (reads it depends on come first).
    const m = this.redis.multi();
    switch (body.case) {
      case "decided": {
        const { request, decision } = body.value;
        if (request === undefined || decision === undefined) break;
        this.putDecision(m, index, request, decision);
        ix.push(["agency", request.requester?.agencyId ?? ""]);
        for (const o of request.officers) ix.push(["officer", o.workId]);
        for (const c of request.cameraIds) ix.push(["camera", c]);
        break;
      }
      case "approved": {
        const { decision, requestId, approver } = body.value;
        const rec = await this.request(requestId);
        // A refused approval attempt leaves the request pending: it is indexed, not applied.
        if (
          decision !== undefined &&
          rec !== undefined &&
          decision.outcome !== Outcome.PENDING_APPROVAL
        ) {
          this.putDecision(m, index, rec.request, decision);
        }
        if (approver !== undefined)
          ix.push(["officer", approver.workId], ["agency", approver.agencyId]);
        for (const c of rec?.request.cameraIds ?? []) ix.push(["camera", c]);
        break;
      }
      case "revoked": {
        const v = body.value;
        const ends = v.grantEndsAt === undefined ? time : timestampMs(v.grantEndsAt);
        const g = await this.grant(v.grantId);
        const cams = g?.grant.cameraIds ?? [];
        m.hset(k.grant(v.grantId), "revoked", "1");
        m.zadd(k.revoked, ends, v.grantId);
        m.zrem(k.active, v.grantId);
        for (const c of cams) m.srem(k.camGrants(c), v.grantId);
        for (const c of cams) ix.push(["camera", c]);
        break;
      }
      case "session":
      case "exported": {
        const v = body.value;
        if (body.case === "exported") m.hsetnx(k.fact, e.id, String(index));
        ix.push(["agency", v.agencyId], ["officer", v.viewer], ["camera", v.cameraId]);
        break;
      }
      case "reviewed":
        m.hset(k.grant(body.value.grantId), "reviewed", "1");
        break;
      case "held":
      case "segmentRemoved":
      case "changeRefused": {
        m.hsetnx(k.fact, e.id, String(index));
        const f = facets(e);
        for (const a of f.agencies) ix.push(["agency", a]);
        for (const o of f.officers) ix.push(["officer", o]);
        for (const c of f.cameras) ix.push(["camera", c]);
        break;
      }
      default:
        break;
    }
    for (const [dim, value] of ix) if (value !== "") m.zadd(k.ix(dim, value), time, String(index));
    const results = await m.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) {
      throw failed?.[0] ?? new Error(`projection of entry ${index} was not applied`);
    }
  }

  private putDecision(
    m: ChainableCommander,
    index: number,
    request: RequestAccessRequest,
    decision: Decision,
  ): void {
    m.eval(
      SET_IF_NEWER,
      1,
      k.req(request.requestId),
      String(index),
      "request",
      b64(toBinary(RequestAccessRequestSchema, request)),
      "decision",
      b64(toBinary(DecisionSchema, decision)),
    );
    const g = decision.grant;
    if (decision.outcome === Outcome.GRANTED && g !== undefined) {
      const stored = { ...g, token: "" };
      const endsAt = g.endsAt === undefined ? 0 : timestampMs(g.endsAt);
      m.eval(
        PUT_GRANT,
        2 + g.cameraIds.length,
        k.grant(g.grantId),
        k.active,
        ...g.cameraIds.map(k.camGrants),
        b64(toBinary(GrantSchema, stored)),
        String(endsAt),
        request.requestId,
        g.grantId,
      );
    }
  }

  async request(requestId: string): Promise<RequestRecord | undefined> {
    const h = await this.redis.hgetall(k.req(requestId));
    if (h.request === undefined || h.decision === undefined) return undefined;
    return {
      request: fromBinary(RequestAccessRequestSchema, unb64(h.request)),
      decision: fromBinary(DecisionSchema, unb64(h.decision)),
      index: Number(h.index ?? -1),
    };
  }

  async grant(grantId: string): Promise<GrantRecord | undefined> {
    const h = await this.redis.hgetall(k.grant(grantId));
    if (h.grant === undefined) return undefined;
    return {
      grant: fromBinary(GrantSchema, unb64(h.grant)),
      endsAt: Number(h.endsAt ?? 0),
      requestId: h.requestId ?? "",
      revoked: h.revoked === "1",
    };
  }

  /** Grants that have ended by `now` and are not revoked yet (for the expiry sweep). */
  ended(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(k.active, 0, now, "LIMIT", 0, limit);
  }

  /** Active (not revoked) grants that include `cameraId`. */
  grantsOfCamera(cameraId: string): Promise<string[]> {
    return this.redis.smembers(k.camGrants(cameraId));
  }

  /** Revoked grants that have not ended before `now`. */
  async revocations(now: number): Promise<{ grantId: string; endsAt: number }[]> {
    const flat = await this.redis.zrangebyscore(k.revoked, now, "+inf", "WITHSCORES");
    const out: { grantId: string; endsAt: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ grantId: flat[i] as string, endsAt: Number(flat[i + 1]) });
    return out;
  }

  /** Log indexes for one dimension (`all`/`log`, `agency`, `officer`, `camera`) within a time range. */
  async indexes(
    dim: string,
    value: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<number[]> {
    const ids = await this.redis.zrangebyscore(k.ix(dim, value), from, to, "LIMIT", 0, limit);
    return ids.map(Number).sort((a, b) => a - b);
  }

  async appliedIndex(): Promise<number> {
    return Number((await this.redis.get(k.applied)) ?? -1);
  }

  async setApplied(index: number): Promise<void> {
    await this.redis.set(k.applied, String(index));
  }
}
