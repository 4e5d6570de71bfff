import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { FlvStreamParser, type FlvTag } from "@vis/simulator";
// test/e2e/package.json does not list the gateway or @vis/grants (other suites own it): both are
// reached through their public index files by path, here only.
import {
  GrantIssuer,
  type GrantScope,
  generateSigningKey,
  type Jwks,
  type KeyRing,
  publicJwks,
} from "../../../libs/grants/src/index.ts";
import {
  Gateway,
  type GatewayOptions,
  GrantsAuthorizer,
  type StreamManagerOptions,
  templateSources,
} from "../../../services/gateway/src/index.ts";

export interface GatewayFixture {
  readonly gateway: Gateway;
  readonly authorizer: GrantsAuthorizer;
  readonly base: string;
  readonly events: { kind: string; detail: string; at: number }[];
  token(scope?: Partial<GrantScope>, opts?: { ttlSec?: number; now?: number }): Promise<string>;
  /** A token signed by a key the gateway does not know. */
  foreignToken(scope?: Partial<GrantScope>): Promise<string>;
  /** The signing key ring (pass it to another gateway so both trust the same tokens). */
  readonly ring: KeyRing;
  close(): Promise<void>;
}

/** The gateway core in this process with real grant verification and a real ffmpeg pull. */
export async function startGateway(
  sourceTemplate: string,
  cameras: readonly string[],
  streams: Partial<StreamManagerOptions> = {},
  options: Partial<GatewayOptions> = {},
  sharedRing?: KeyRing,
): Promise<GatewayFixture> {
  const ring: KeyRing = sharedRing ?? { keys: [await generateSigningKey()] };
  const keys: Jwks = publicJwks(ring);
  const issuer = new GrantIssuer(ring);
  const foreign = new GrantIssuer({ keys: [await generateSigningKey()] });
  const authorizer = new GrantsAuthorizer(() => keys);
  const events: GatewayFixture["events"] = [];
  const log = (kind: string, detail: string) => events.push({ kind, detail, at: Date.now() });
  const gateway = new Gateway({
    host: "127.0.0.1",
    port: 0,
    authorizer,
    sources: templateSources(sourceTemplate, cameras),
    refusalDelayMs: 50,
    streams: {
      ffmpegPath: "ffmpeg",
      idleGraceMs: 1500,
      stallTimeoutMs: 3000,
      backoffInitialMs: 300,
      backoffMaxMs: 1500,
      upstreamOutageMaxMs: 60_000,
      onUpstreamState: (camera, state) => log("upstream", `${camera} ${state}`),
      ...streams,
    },
    events: {
      sessionStarted: (s) => log("started", `${s.camera} ${s.grant.grantId}`),
      sessionEnded: (s, reason) => log("ended", `${s.camera} ${s.grant.grantId} ${reason}`),
      playRefused: (req, err) => log("refused", `${req?.camera} ${err.code}`),
    },
    ...options,
  });
  const port = await gateway.listen();
  const scopeOf = (s: Partial<GrantScope>): GrantScope => ({
    grantId: `g-${randomBytes(4).toString("hex")}`,
    agencyId: "cz-psb-wujin",
    officers: ["010001", "010002"],
    cameras: ["cam-001"],
    mode: "live",
    action: "view",
    maxSessions: 4,
    ...s,
  });
  return {
    gateway,
    authorizer,
    base: `http://127.0.0.1:${port}`,
    events,
    ring,
    token: async (s = {}, o = {}) =>
      (await issuer.issue(scopeOf(s), { ttlSec: o.ttlSec ?? 300, now: o.now })).token,
    foreignToken: async (s = {}) => (await foreign.issue(scopeOf(s), { ttlSec: 300 })).token,
    close: () => gateway.close(),
  };
}

export interface FlvRead {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly tags: FlvTag[];
  readonly raw: Buffer;
  /** Milliseconds from the request to the first body byte / to the first video keyframe. */
  readonly firstByteMs: number | undefined;
  readonly firstKeyframeMs: number | undefined;
  /** When the server ended the connection (ms from start), if it did. */
  readonly closedAtMs: number | undefined;
}

/** A live HTTP-FLV read: collects bytes for `ms` (or until the server ends it), parsing FLV. */
export function readHttpFlv(
  url: string,
  ms: number,
  headers: Record<string, string> = {},
  onTag?: (tag: FlvTag, atMs: number) => void,
): Promise<FlvRead> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      const parser = new FlvStreamParser();
      const tags: FlvTag[] = [];
      let firstByteMs: number | undefined;
      let firstKeyframeMs: number | undefined;
      let closedAtMs: number | undefined;
      const isFlv = res.statusCode === 200;
      res.on("data", (c: Buffer) => {
        const at = Date.now() - start;
        firstByteMs ??= at;
        chunks.push(c);
        if (!isFlv) return;
        for (const t of parser.push(c)) {
          tags.push(t);
          onTag?.(t, at);
          if (t.kind === "video" && t.keyframe && !t.sequenceHeader) firstKeyframeMs ??= at;
        }
      });
      const done = () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          tags,
          raw: Buffer.concat(chunks),
          firstByteMs,
          firstKeyframeMs,
          closedAtMs,
        });
      };
      const timer = setTimeout(() => {
        res.destroy();
        done();
      }, ms);
      res.on("close", () => {
        closedAtMs ??= Date.now() - start;
        done();
      });
      res.on("error", () => undefined);
    });
    req.on("error", reject);
    req.end();
  });
}

export interface WsRead {
  readonly handshake: string;
  readonly tags: FlvTag[];
  readonly payloadBytes: number;
}

/** A minimal WebSocket client (RFC 6455): handshake, then unmasked binary frames parsed as FLV. */
export function readWsFlv(url: string, ms: number): Promise<WsRead> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let buf = Buffer.alloc(0);
    let handshake: string | undefined;
    const parser = new FlvStreamParser();
    const tags: FlvTag[] = [];
    let payloadBytes = 0;
    const finish = () => {
      socket.destroy();
      resolve({ handshake: handshake ?? buf.toString("latin1"), tags, payloadBytes });
    };
    setTimeout(finish, ms);
    socket.on("error", reject);
    socket.on("close", finish);
    socket.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (handshake === undefined) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        handshake = buf.subarray(0, end).toString("latin1");
        buf = buf.subarray(end + 4);
        if (!handshake.startsWith("HTTP/1.1 101")) return finish();
      }
      while (buf.length >= 2) {
        let len = (buf[1] ?? 0) & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        payloadBytes += payload.length;
        tags.push(...parser.push(Buffer.from(payload)));
      }
    });
  });
}

/** ffprobe's view of a captured file: codec names of its streams (MPEG-TS lists them per program too). */
export function probeCodecs(file: string): string[] {
  const out = spawnSync(
    "ffprobe",
    ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file],
    { encoding: "utf8", timeout: 20_000 },
  );
  const names = out.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return [...new Set(names)].sort();
}

/** Media tags only (no script, no sequence headers). */
export const mediaTags = (tags: readonly FlvTag[]) =>
  tags.filter((t) => t.kind !== "script" && !t.sequenceHeader);
