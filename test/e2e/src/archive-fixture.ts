import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
// The archive lives in @vis/archive and the gateway's archive/playback folders; this suite reaches
// them through their files by path (test/e2e/package.json does not list the gateway), as the
// gateway fixture does.
import {
  Archive,
  ExportSigner,
  FsSegmentStore,
  TimeIndex,
} from "../../../libs/archive/src/index.ts";
import {
  GrantIssuer,
  type GrantScope,
  generateSigningKey,
  type Jwks,
  publicJwks,
  RevocationList,
} from "../../../libs/grants/src/index.ts";
import {
  type ArchiveEvents,
  ArchiveHttp,
} from "../../../services/gateway/src/playback/archive-http.ts";
import { RecordedAuthorizer } from "../../../services/gateway/src/playback/recorded-authorizer.ts";
import type { RecordingLocator } from "../../../services/gateway/src/playback/window-source.ts";
import { SessionRegistry } from "../../../services/gateway/src/sessions/session-registry.ts";

export interface ArchiveFixture {
  readonly archive: Archive;
  readonly http: ArchiveHttp;
  readonly base: string;
  readonly redis: Redis;
  readonly sessions: SessionRegistry;
  readonly signer: ExportSigner;
  readonly events: { kind: string; detail: string }[];
  token(scope: Partial<GrantScope>): Promise<string>;
  close(): Promise<void>;
}

/** The archive edge in this process over a real filesystem store and a real Redis index. */
export async function startArchiveEdge(
  dir: string,
  redisUrl: string,
  locator: RecordingLocator,
  clock?: () => number,
): Promise<ArchiveFixture> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const store = new FsSegmentStore(dir);
  const prefix = `vis:archive:idx:${randomBytes(3).toString("hex")}:`;
  const archive = new Archive({
    store,
    index: new TimeIndex(redis, prefix),
    retentionDays: async () => 30,
    clock,
  });
  const ring = { keys: [await generateSigningKey()] };
  const keys: Jwks = publicJwks(ring);
  const issuer = new GrantIssuer(ring);
  const sessions = new SessionRegistry();
  const signer = ExportSigner.generate();
  const events: ArchiveFixture["events"] = [];
  const recorded: Partial<ArchiveEvents> = {
    exportCreated: (m) => events.push({ kind: "export", detail: m.exportId }),
    holdPlaced: (h) => events.push({ kind: "hold", detail: `${h.id} ${h.caseId} ${h.grantId}` }),
    refused: (what, cam, e) =>
      events.push({ kind: "refused", detail: `${what} ${cam} ${e.code} ${e.article ?? ""}` }),
  };
  const http = new ArchiveHttp({
    archive,
    authorizer: new RecordedAuthorizer(() => keys, new RevocationList()),
    locator,
    signer,
    sessions,
    ffmpegPath: "ffmpeg",
    refusalDelayMs: 20,
    sessionEvents: {
      sessionStarted: (s) => events.push({ kind: "started", detail: `${s.camera} ${s.protocol}` }),
      sessionEnded: (s, r) => events.push({ kind: "ended", detail: `${s.camera} ${r}` }),
    },
    events: recorded,
  });
  const port = await http.listen("127.0.0.1", 0);
  return {
    archive,
    http,
    base: `http://127.0.0.1:${port}`,
    redis,
    sessions,
    signer,
    events,
    token: async (s) =>
      (
        await issuer.issue(
          {
            grantId: `g-${randomBytes(4).toString("hex")}`,
            agencyId: "cz-psb-wujin",
            officers: ["010001", "010002"],
            cameras: ["cam-001"],
            mode: "recorded",
            action: "view",
            maxSessions: 4,
            ...s,
          },
          { ttlSec: 600 },
        )
      ).token,
    close: async () => {
      await http.close();
      redis.disconnect();
    },
  };
}
