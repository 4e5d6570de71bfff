import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Bus, connectBus } from "@vis/bus";
import { GrantRevokedEventSchema } from "@vis/proto/vis/access/v1/events_pb";
import {
  PlayProtocol,
  SessionEndedSchema,
  SessionEndReason,
  SessionStartedSchema,
} from "@vis/proto/vis/gateway/v1/events_pb";
import { type Simulator, startSimulator } from "@vis/simulator";
import {
  type NatsServer,
  type RedisServer,
  type ServiceProcess,
  startNats,
  startRedis,
} from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantIssuer } from "../../../libs/grants/src/index.ts";
import { type AccessStandIn, startAccessStandIn } from "./access-stand-in.ts";
import { startArchiveGateway } from "./archive-gateway-fixture.ts";
import { mediaTags, readHttpFlv } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

const GOP_MS = 2000;
const LEAD_MS = 3000;
const HLS_IDLE_MS = 2000;
const WINDOW_MS = 20_000;

interface Ended {
  session: { grantId: string; protocol: number };
  reason: number;
  bytes: bigint;
}

// Recorded playback in the real gateway process (recording a simulator camera): HTTP-FLV is paced
// at real time after a lead of VIS_ARCHIVE_PACE_LEAD_MS; recorded HLS is one session per grant,
// viewer and camera (bytes counted, ended when idle or on revocation), published on NATS.
describe("recorded playback pacing and HLS sessions (gateway process)", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  let sim: Simulator;
  let access: AccessStandIn;
  let gateway: ServiceProcess;
  let bus: Bus;
  let base: string;
  let issuer: GrantIssuer;
  let recordingFrom: number;
  const seen: { subject: string; msg: unknown }[] = [];
  const started = (grantId: string) =>
    seen.filter(
      (s) =>
        s.subject === "vis.gateway.session.started" &&
        (s.msg as { session: { grantId: string } }).session.grantId === grantId,
    );
  const ended = (grantId: string) =>
    seen
      .filter((s) => s.subject === "vis.gateway.session.ended")
      .map((s) => s.msg as Ended)
      .filter((m) => m.session.grantId === grantId);

  beforeAll(async () => {
    [nats, redis, sim] = await Promise.all([
      startNats(),
      startRedis(),
      startSimulator({ cameras: 1 }),
    ]);
    access = await startAccessStandIn();
    issuer = access.issuer;
    bus = await connectBus({ servers: nats.url, name: "archive-paced-e2e" });
    for (const [subject, schema] of [
      ["vis.gateway.session.started", SessionStartedSchema],
      ["vis.gateway.session.ended", SessionEndedSchema],
    ] as const) {
      bus.subscribeCore(subject, schema, (msg: unknown) => {
        seen.push({ subject, msg });
      });
    }
    ({ gateway, base } = await startArchiveGateway({
      nats,
      redis,
      sim,
      access,
      name: "archive-paced",
      env: {
        VIS_ARCHIVE_PACE_LEAD_MS: String(LEAD_MS),
        VIS_ARCHIVE_HLS_IDLE_MS: String(HLS_IDLE_MS),
      },
    }));
    recordingFrom = Date.now();
  });
  afterAll(async () => {
    await gateway?.stop();
    await bus?.close();
    await access?.close();
    await sim?.close();
    await nats?.stop();
    await redis?.stop();
  });

  const token = async (grantId: string, from: number, to: number, maxSessions = 2) =>
    (
      await issuer.issue(
        {
          grantId,
          agencyId: "cz-psb-wujin",
          officers: ["010001", "010002"],
          cameras: ["cam-001"],
          mode: "recorded",
          action: "view",
          window: { from: Math.floor(from / 1000), to: Math.ceil(to / 1000) },
          maxSessions,
        },
        { ttlSec: 300 },
      )
    ).token;
  const waitUntil = (at: number) =>
    new Promise((ok) => setTimeout(ok, Math.max(0, at - Date.now())));
  const q = (t1: number, t2: number, tk: string) => `start=${t1}&end=${t2}&token=${tk}`;

  /** The window's playlist, once the keys are loaded and the footage is indexed. */
  async function playlist(
    t1: number,
    t2: number,
    tk: string,
  ): Promise<{ entries: string[]; bytes: number }> {
    let text = "";
    await eventually("playlist served", async () => {
      const res = await fetch(`${base}/recorded/cam-001/index.m3u8?${q(t1, t2, tk)}`);
      text = await res.text();
      return res.status === 200;
    });
    const entries = text.split("\n").filter((l) => l.includes(".ts?"));
    return { entries, bytes: Buffer.byteLength(text) };
  }

  it("recorded HLS: playlist and segments are one session with its bytes, ended when idle; the session limit holds", async () => {
    const t1 = recordingFrom + 2000;
    const t2 = t1 + 6000;
    await waitUntil(t2 + 2 * GOP_MS + 500);
    const tk = await token("g-hls-idle", t1, t2, 1);
    const list = await playlist(t1, t2, tk);
    const entries = list.entries;
    expect(entries.length).toBeGreaterThanOrEqual(2);
    let bytes = list.bytes;
    // the player: the playlist again, then each segment (every one authorised, none a new session)
    const again = await fetch(`${base}/recorded/cam-001/index.m3u8?${q(t1, t2, tk)}`);
    expect(again.status).toBe(200);
    bytes += Buffer.byteLength(await again.text());
    for (const e of entries) {
      const ts = await fetch(`${base}/recorded/cam-001/${e}`);
      expect(ts.status).toBe(200);
      const body = Buffer.from(await ts.arrayBuffer());
      expect(body[0]).toBe(0x47); // MPEG-TS sync byte
      bytes += body.length;
    }
    // one session for the grant (maxSessions 1): another play on it is refused while it lasts
    const other = await readHttpFlv(`${base}/recorded/cam-001.flv?${q(t1, t2, tk)}`, 5000);
    expect(other.status).toBe(429);
    expect(started("g-hls-idle")).toHaveLength(1);
    const opened = started("g-hls-idle")[0]?.msg as { session: { protocol: number } } | undefined;
    expect(opened?.session.protocol).toBe(PlayProtocol.HLS);
    expect(ended("g-hls-idle")).toHaveLength(0);
    const lastRequest = Date.now();
    await eventually(
      "session ended idle",
      () => ended("g-hls-idle").length > 0,
      HLS_IDLE_MS + 2 * GOP_MS + 5000,
    );
    const idleFor = Date.now() - lastRequest;
    const end = ended("g-hls-idle");
    expect(end).toHaveLength(1);
    expect(end[0]?.reason).toBe(SessionEndReason.VIEWER_LEFT);
    // every byte sent: both playlists and each segment
    expect(Number(end[0]?.bytes)).toBe(bytes);
    expect(started("g-hls-idle")).toHaveLength(1);
    // not before the last segment's duration plus the idle time had passed
    expect(idleFor).toBeGreaterThanOrEqual(HLS_IDLE_MS);
    console.info(
      `recorded HLS: ${entries.length} segments, ${end[0]?.bytes} bytes counted, session ended ${idleFor} ms after the last request`,
    );
  });

  it("recorded HLS: a revocation ends the session and later segments are refused", async () => {
    const t1 = recordingFrom + 2000;
    const t2 = t1 + 6000;
    const tk = await token("g-hls-revoke", t1, t2);
    const { entries } = await playlist(t1, t2, tk);
    const first = await fetch(`${base}/recorded/cam-001/${entries[0]}`);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    expect(started("g-hls-revoke")).toHaveLength(1);
    bus.publishCore("vis.access.grant.revoked", GrantRevokedEventSchema, {
      meta: {
        id: "rev-hls",
        time: timestampFromDate(new Date()),
        actor: { service: "authorizer" },
      },
      grantId: "g-hls-revoke",
      reason: "e2e",
      grantEndsAt: timestampFromDate(new Date(Date.now() + 3600_000)),
    });
    await eventually("ended by the revocation", () =>
      ended("g-hls-revoke").some((m) => m.reason === SessionEndReason.GRANT_REVOKED),
    );
    const next = await fetch(`${base}/recorded/cam-001/${entries[1]}`);
    expect(next.status).toBe(403);
    expect(((await next.json()) as { error: { code: string } }).error.code).toBe(
      "permission_denied",
    );
    const list = await fetch(`${base}/recorded/cam-001/index.m3u8?${q(t1, t2, tk)}`);
    expect(list.status).toBe(403);
    expect(started("g-hls-revoke")).toHaveLength(1);
    expect(ended("g-hls-revoke")).toHaveLength(1);
  });

  it("recorded HTTP-FLV of a 20 s window is paced: the lead at once, the rest at real time", async () => {
    const t1 = recordingFrom + 3000;
    const t2 = t1 + WINDOW_MS;
    await waitUntil(t2 + 2 * GOP_MS + 500);
    const tk = await token("g-flv-paced", t1, t2);
    await playlist(t1, t2, tk); // keys loaded, footage indexed (an HLS session of its own)
    const arrivals: { ts: number; at: number; kind: string }[] = [];
    const r = await readHttpFlv(
      `${base}/recorded/cam-001.flv?${q(t1, t2, tk)}`,
      40_000,
      {},
      (t, at) => {
        if (t.kind !== "script" && !t.sequenceHeader)
          arrivals.push({ ts: t.timestamp, at, kind: t.kind });
      },
    );
    expect(r.status).toBe(200);
    const elapsed = r.closedAtMs ?? 40_000;
    console.info(
      `recorded HTTP-FLV: a ${WINDOW_MS} ms window with a ${LEAD_MS} ms lead took ${elapsed} ms (first keyframe at ${r.firstKeyframeMs} ms)`,
    );
    // paced: about window − lead, never much faster (unpaced it is a fraction of a second)
    expect(elapsed).toBeGreaterThanOrEqual(WINDOW_MS - LEAD_MS - 2000);
    expect(elapsed).toBeLessThan(WINDOW_MS - LEAD_MS + 8000);
    // the player starts at once: the first keyframe comes with the lead
    expect(r.firstKeyframeMs).toBeLessThan(2000);
    // no tag before it was due: timestamp ≤ time since the request + lead
    for (const a of arrivals) expect(a.ts).toBeLessThanOrEqual(a.at + LEAD_MS + 250);
    // and the lead really went at once: media up to ~the lead arrived in the first second
    expect(Math.max(...arrivals.filter((a) => a.at < 1000).map((a) => a.ts))).toBeGreaterThan(
      LEAD_MS - 500,
    );
    // in order, exactly the window: first frame a keyframe within one GOP of t1, nothing at or past t2
    for (const kind of ["video", "audio"]) {
      const ts = arrivals.filter((a) => a.kind === kind).map((a) => a.ts);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
    }
    const first = Number(r.headers["x-vis-first-frame"]);
    expect(first).toBeGreaterThanOrEqual(t1);
    expect(first - t1).toBeLessThanOrEqual(GOP_MS + 100);
    const media = mediaTags(r.tags);
    expect(media.find((t) => t.kind === "video")).toMatchObject({ keyframe: true, timestamp: 0 });
    const lastTs = Math.max(...media.map((t) => t.timestamp));
    expect(first + lastTs).toBeLessThan(t2);
    expect(first + lastTs).toBeGreaterThan(t2 - 500);
    await eventually("flv session ended", () =>
      ended("g-flv-paced").some((m) => m.session.protocol === PlayProtocol.HTTP_FLV),
    );
  });
});
