import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type {
  Archive,
  ExportSigner,
  HoldRelease,
  LegalHold,
  SignedExportManifest,
} from "@vis/archive";
import { CAMERA_ID, checkWindow } from "@vis/archive";
import { httpErrorBody, VisError } from "@vis/errors";
import type { GatewayEvents } from "../gateway.ts";
import { HlsSessions } from "../sessions/hls-sessions.ts";
import type { PlayProtocol } from "../sessions/play-authorizer.ts";
import type { EndReason, SessionRegistry } from "../sessions/session-registry.ts";
import { createExport, exportClipKey, exportManifestKey } from "./exports.ts";
import { paced } from "./pacer.ts";
import type {
  RecordedAuthorizerPort,
  RecordedGrant,
  RecordedRequest,
} from "./recorded-authorizer.ts";
import { remux } from "./remux.ts";
import { WindowCutter } from "./window-cutter.ts";
import { type RecordingLocator, windowFlv } from "./window-source.ts";

/** What the archive edge registers (the composition root publishes it on NATS). */
export interface ArchiveEvents {
  exportCreated(manifest: SignedExportManifest, remoteAddress: string): void;
  holdPlaced(hold: LegalHold, agencyId: string, officers: readonly string[]): void;
  holdReleased(hold: LegalHold, release: HoldRelease): void;
  /** A refused request: play, export, or an attempt to delete or alter a recording. */
  refused(what: string, camera: string, error: VisError, remoteAddress: string): void;
}

export interface ArchiveHttpDeps {
  readonly archive: Archive;
  readonly authorizer: RecordedAuthorizerPort;
  readonly locator: RecordingLocator;
  readonly signer: ExportSigner;
  /** The gateway's session registry: recorded plays count against the grant and end on revocation. */
  readonly sessions: SessionRegistry;
  readonly ffmpegPath: string;
  readonly refusalDelayMs?: number;
  readonly sessionEvents?: Partial<GatewayEvents>;
  readonly events?: Partial<ArchiveEvents>;
  /**
   * Recorded HTTP-FLV is paced: this much media (ms of timestamps) goes at once so the player
   * starts and fills its buffer, the rest at real time (default 4000). HLS and MP4 are files.
   */
  readonly paceLeadMs?: number;
  /** A recorded HLS session ends this long after its last request (default 12 000 ms). */
  readonly hlsIdleMs?: number;
  /** Longest window one export (MP4 copy) may cover. */
  readonly exportMaxMs?: number;
}

const PACE_LEAD_MS = 4000;
const HLS_IDLE_MS = 12_000;

/** Default longest export: an MP4 is built in memory, so copies are bounded (30 min). */
const EXPORT_MAX_MS = 30 * 60_000;
/** Pull-through HLS: the operator's window is served in pieces of this length. */
const PULL_PIECE_MS = 10_000;

const EXPOSED_HEADERS = "x-vis-first-frame, x-vis-export-id, content-disposition";

const FLV_HEAD = {
  "content-type": "video/x-flv",
  "cache-control": "no-store",
  connection: "close",
};

/**
 * The recorded-footage HTTP edge. Routes (token in `?token=` or `Authorization: Bearer`; times
 * in epoch ms or ISO 8601):
 * - `GET /recorded/<camera>.flv?start=&end=` — HTTP-FLV of exactly that window (seek = a new
 *   request with another start inside the grant)
 * - `GET /recorded/<camera>/index.m3u8?start=&end=` and `/recorded/<camera>/<n>.ts?…` — HLS VOD
 * - `GET /recorded/<camera>.mp4?start=&end=` — MP4 download; a copy, so an export (action `export`)
 * - `POST /archive/exports?camera=&start=&end=` — export; answers the signed manifest
 * - `GET /archive/exports/<id>.mp4|.json`, `GET /archive/keys` (the export JWKS)
 * - `POST /archive/holds?camera=&start=&end=&case=` — a legal hold for a case (action `retrieve`)
 * - `GET /archive/holds?camera=&start=&end=` — the holds on that window, in force and released
 *   (a recorded grant of any action over the window)
 * - `POST /archive/holds/<camera>/<id>/release?reason=` — ends a hold; only the agency that placed
 *   it, under a `retrieve` grant covering the hold's window
 * - `DELETE|PUT|POST /archive/segments/<key>` — always refused (Art. 22(3)), and registered
 */
export class ArchiveHttp {
  readonly #d: ArchiveHttpDeps;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  /** Recorded HLS sessions: (grant, viewer address, camera) from the first request until idle. */
  readonly #hls: HlsSessions;

  constructor(deps: ArchiveHttpDeps) {
    this.#d = deps;
    this.#hls = new HlsSessions(
      deps.sessions,
      deps.hlsIdleMs ?? HLS_IDLE_MS,
      (s) => deps.sessionEvents?.sessionStarted?.(s),
      (s, reason) => deps.sessionEvents?.sessionEnded?.(s, reason, new Date()),
    );
  }

  /** Serves `req` if its path is the archive's; false otherwise (for mounting in another router). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://archive.invalid");
    if (!url.pathname.startsWith("/recorded/") && !url.pathname.startsWith("/archive/")) {
      return false;
    }
    // browser players (mpegts.js, hls.js) on the police platform's own origin: grants are bearer
    // tokens, never cookies, so any origin may call; the first-frame time and export id are readable
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-methods": "GET, POST, DELETE, PUT",
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "600",
      });
      res.end();
      return true;
    }
    let what = "request";
    let camera = "";
    try {
      const r = this.#route(req, url);
      what = r.what;
      camera = r.camera;
      await r.run(res);
    } catch (err) {
      const e = VisError.from(err);
      const slow = e.code === "unauthenticated" || e.code === "permission_denied";
      const delay = this.#d.refusalDelayMs ?? 200;
      if (slow && delay > 0) await new Promise((r) => setTimeout(r, delay));
      this.#d.events?.refused?.(what, camera, e, req.socket.remoteAddress ?? "");
      if (res.headersSent) {
        res.destroy();
      } else {
        const { status, body } = httpErrorBody(e);
        res.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          connection: "close",
        });
        res.end(body);
      }
    }
    return true;
  }

  listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      void this.handle(req, res).then((mine) => {
        if (mine) return;
        const { status, body } = httpErrorBody(
          new VisError("not_found", "no such path; see /recorded/<camera>.flv", { field: "path" }),
        );
        res.writeHead(status, { "content-type": "application/json" }).end(body);
      });
    });
    server.on("connection", (s: Socket) => {
      this.#sockets.add(s);
      s.once("close", () => this.#sockets.delete(s));
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(typeof a === "object" && a !== null ? a.port : port);
      });
    });
  }

  async close(): Promise<void> {
    this.#hls.close();
    const s = this.#server;
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    for (const sock of this.#sockets) sock.destroy();
    await closed;
  }

  #route(
    req: IncomingMessage,
    url: URL,
  ): { what: string; camera: string; run: (res: ServerResponse) => Promise<void> } {
    const p = url.pathname;
    const method = req.method ?? "GET";
    const seg = /^\/archive\/segments\/(.+)$/.exec(p);
    if (seg?.[1] !== undefined) {
      const key = decodeURIComponent(seg[1]);
      const camera = /^seg\/([^/]+)\//.exec(key)?.[1] ?? "";
      return {
        what: `segment.${method.toLowerCase()}`,
        camera,
        run: () => this.#refuseChange(method, key),
      };
    }
    if (p === "/archive/keys" && method === "GET") {
      return {
        what: "keys",
        camera: "",
        run: async (res) => json(res, 200, this.#d.signer.jwks()),
      };
    }
    const exp = /^\/archive\/exports\/(x-[0-9a-f]{16})\.(mp4|json)$/.exec(p);
    if (exp?.[1] !== undefined && method === "GET") {
      const id = exp[1];
      return {
        what: "export.read",
        camera: "",
        run: (res) => this.#readExport(req, url, res, id, exp[2] === "mp4"),
      };
    }
    if (p === "/archive/holds" && (method === "POST" || method === "GET")) {
      const camera = url.searchParams.get("camera") ?? "";
      return method === "POST"
        ? { what: "hold", camera, run: (res) => this.#placeHold(req, url, res, camera) }
        : { what: "hold.list", camera, run: (res) => this.#listHolds(req, url, res, camera) };
    }
    const rel = /^\/archive\/holds\/([^/]+)\/([^/]+)\/release$/.exec(p);
    if (rel?.[1] !== undefined && rel[2] !== undefined && method === "POST") {
      const [camera, id] = [decodeURIComponent(rel[1]), decodeURIComponent(rel[2])];
      return {
        what: "hold.release",
        camera,
        run: (res) => this.#releaseHold(req, url, res, camera, id),
      };
    }
    if (p === "/archive/exports" && method === "POST") {
      const camera = url.searchParams.get("camera") ?? "";
      return {
        what: "export",
        camera,
        run: async (res) => {
          const out = await this.#export(req, url, camera);
          json(res, 201, {
            manifest: out.manifest,
            clip: `/archive/exports/${out.manifest.exportId}.mp4`,
          });
        },
      };
    }
    const rec = /^\/recorded\/([^/]+?)(?:\.(flv|mp4)|\/index\.m3u8|\/(\d{1,4})\.ts)$/.exec(p);
    if (rec?.[1] !== undefined && method === "GET") {
      const camera = rec[1];
      if (rec[2] === "flv")
        return { what: "play", camera, run: (res) => this.#playFlv(req, url, res, camera) };
      if (rec[2] === "mp4") {
        return {
          what: "export",
          camera,
          run: async (res) => {
            const out = await this.#export(req, url, camera);
            const r = out.manifest.window;
            const clip = await this.#d.archive.store.get(out.clipKey);
            res.writeHead(200, {
              "content-type": "video/mp4",
              "content-length": clip.length,
              "content-disposition": `attachment; filename="${camera}-${r.fromMs}-${r.toMs}.mp4"`,
              "x-vis-export-id": out.manifest.exportId,
            });
            res.end(clip);
          },
        };
      }
      if (rec[3] !== undefined) {
        const n = Number(rec[3]);
        return { what: "play", camera, run: (res) => this.#hlsPiece(req, url, res, camera, n) };
      }
      return { what: "play", camera, run: (res) => this.#hlsPlaylist(req, url, res, camera) };
    }
    throw new VisError("not_found", "no such archive path", { field: "path" });
  }

  async #authorize(
    req: IncomingMessage,
    url: URL,
    camera: string,
    action: RecordedRequest["action"],
    /** False for requests of an HLS session: its session limit is checked when it opens. */
    newSession = true,
  ): Promise<{ grant: RecordedGrant; r: RecordedRequest }> {
    if (!CAMERA_ID.test(camera)) {
      throw new VisError("invalid_argument", "camera id must match [A-Za-z0-9_-]{1,64}", {
        field: "camera",
      });
    }
    const w = checkWindow(timeParam(url, "start"), timeParam(url, "end"));
    const r: RecordedRequest = {
      camera,
      action,
      fromMs: w.fromMs,
      toMs: w.toMs,
      token: tokenOf(req, url),
    };
    const g = await this.#d.authorizer.authorize(r);
    if (g instanceof VisError) throw g;
    const refused = this.#d.sessions.check(
      newSession ? g : { ...g, sessionLimit: Number.POSITIVE_INFINITY },
    );
    if (refused) throw refused;
    return { grant: g, r };
  }

  /** Opens a gateway session for a recorded play; returns the function that ends it. */
  #session(
    grant: RecordedGrant,
    camera: string,
    protocol: PlayProtocol,
    req: IncomingMessage,
    bytes: () => number,
    kick: () => void,
  ): (reason: EndReason) => void {
    const sessions = this.#d.sessions;
    const ev = this.#d.sessionEvents;
    let ended = false;
    const finish = (reason: EndReason) => {
      if (ended) return;
      ended = true;
      sessions.close(s.id);
      ev?.sessionEnded?.(s, reason, new Date());
    };
    const s = sessions.open(
      { grant, camera, protocol, remoteAddress: req.socket.remoteAddress ?? "", bytes },
      (reason) => {
        kick();
        finish(reason);
      },
    );
    ev?.sessionStarted?.(s);
    return finish;
  }

  async #playFlv(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
  ): Promise<void> {
    const { grant, r } = await this.#authorize(req, url, camera, "view");
    const abort = new AbortController();
    const cutter = new WindowCutter(r.fromMs, r.toMs);
    const it = windowFlv(
      this.#d.archive,
      this.#d.locator,
      camera,
      r.fromMs,
      r.toMs,
      abort.signal,
      cutter,
    );
    const first = await it.next(); // errors (nothing recorded) still answer with a status
    if (first.done)
      throw new VisError("not_found", "no keyframe recorded inside this window", {
        field: "start",
      });
    let bytes = 0;
    const done = this.#session(
      grant,
      camera,
      "http-flv",
      req,
      () => bytes,
      () => {
        abort.abort();
        res.destroy();
      },
    );
    res.once("close", () => {
      abort.abort();
      done("viewer_left");
    });
    // wall-clock time of the first frame (timestamp 0 of the answer), for players and checks
    res.writeHead(200, { ...FLV_HEAD, "x-vis-first-frame": String(cutter.startWall ?? r.fromMs) });
    const out = paced(resume(first.value, it), {
      leadMs: this.#d.paceLeadMs ?? PACE_LEAD_MS,
      signal: abort.signal,
    });
    try {
      for await (const c of out) {
        bytes += c.length;
        if (!res.write(c)) await drained(res);
        if (res.destroyed) break;
      }
      if (!res.destroyed) res.end();
    } finally {
      done("viewer_left");
    }
  }

  /**
   * HLS VOD: one entry per hub segment in the window (pull-through: one entry for the window). A
   * window starting inside a segment joins that segment's rest to the next one: each entry must
   * hold a keyframe at or after its start, and the segment's own keyframe is before the window.
   */
  async #pieces(
    camera: string,
    fromMs: number,
    toMs: number,
  ): Promise<{ fromMs: number; toMs: number }[]> {
    if (!this.#d.locator.archivedByHub(camera)) {
      // the operator's recorder: fixed pieces (each cut from keyframe to keyframe, see #hlsPiece)
      const pieces: { fromMs: number; toMs: number }[] = [];
      for (let t = fromMs; t < toMs; t += PULL_PIECE_MS)
        pieces.push({ fromMs: t, toMs: Math.min(toMs, t + PULL_PIECE_MS) });
      // a short rest joins the piece before it: a piece needs a keyframe of its own
      const last = pieces.at(-1);
      const before = pieces.at(-2);
      if (last && before && last.toMs - last.fromMs < PULL_PIECE_MS / 2) {
        pieces.splice(-2, 2, { fromMs: before.fromMs, toMs: last.toMs });
      }
      return pieces;
    }
    const plan = await this.#d.archive.plan(camera, fromMs, toMs);
    const pieces = plan.segments.map((s) => ({
      fromMs: Math.max(fromMs, s.startMs),
      toMs: Math.min(toMs, s.endMs),
    }));
    const [head, next] = [plan.segments[0], pieces[1]];
    if (head !== undefined && head.startMs < fromMs && next !== undefined) {
      pieces.splice(0, 2, { fromMs, toMs: next.toMs });
    }
    return pieces;
  }

  async #hlsPlaylist(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
  ): Promise<void> {
    const { grant, r } = await this.#authorize(req, url, camera, "view", false);
    const pieces = await this.#pieces(camera, r.fromMs, r.toMs);
    if (pieces.length === 0)
      throw new VisError("not_found", `nothing recorded for ${camera} in this window`, {
        field: "start",
      });
    const touched = this.#hls.touch(grant, {
      camera,
      remoteAddress: req.socket.remoteAddress ?? "",
    });
    if (touched instanceof VisError) throw touched;
    const q = `start=${r.fromMs}&end=${r.toMs}&token=${encodeURIComponent(r.token ?? "")}`;
    const target = Math.ceil(Math.max(...pieces.map((p) => p.toMs - p.fromMs)) / 1000);
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      `#EXT-X-TARGETDURATION:${target}`,
      "#EXT-X-PLAYLIST-TYPE:VOD",
      "#EXT-X-MEDIA-SEQUENCE:0",
    ];
    pieces.forEach((p, i) => {
      if (i > 0 && p.fromMs - (pieces[i - 1]?.toMs ?? p.fromMs) > 1000)
        lines.push("#EXT-X-DISCONTINUITY");
      lines.push(`#EXTINF:${((p.toMs - p.fromMs) / 1000).toFixed(3)},`, `${i}.ts?${q}`);
    });
    lines.push("#EXT-X-ENDLIST", "");
    const body = lines.join("\n");
    this.#hls.addBytes(touched.key, Buffer.byteLength(body));
    res.writeHead(200, {
      "content-type": "application/vnd.apple.mpegurl",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
    });
    res.end(body);
  }

  async #hlsPiece(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
    n: number,
  ): Promise<void> {
    const { grant, r } = await this.#authorize(req, url, camera, "view", false);
    const piece = (await this.#pieces(camera, r.fromMs, r.toMs))[n];
    if (piece === undefined)
      throw new VisError("not_found", "no such HLS segment", { field: "path" });
    // the viewer plays this piece for its duration: the session is not idle before that
    const touched = this.#hls.touch(
      grant,
      { camera, remoteAddress: req.socket.remoteAddress ?? "" },
      piece.toMs - piece.fromMs,
    );
    if (touched instanceof VisError) throw touched;
    // a pull-through piece before the window's end runs to the next keyframe (the next piece starts
    // there), so the operator is asked for a little more; hub segments end where they end
    const pulled = !this.#d.locator.archivedByHub(camera) && piece.toMs < r.toMs;
    const fetchTo = pulled ? Math.min(r.toMs, piece.toMs + PULL_PIECE_MS) : piece.toMs;
    // timestamps count from the window's start in every piece, so they run on across pieces
    const cutter = new WindowCutter(piece.fromMs, piece.toMs, {
      originMs: r.fromMs,
      ...(pulled ? { limitMs: fetchTo } : {}),
    });
    const ts = await remux(
      windowFlv(this.#d.archive, this.#d.locator, camera, piece.fromMs, fetchTo, undefined, cutter),
      "mpegts",
      this.#d.ffmpegPath,
    );
    // revoked or expired while remuxing: nothing is sent
    if (!this.#hls.has(touched.key)) {
      const refused = this.#d.sessions.check({ ...grant, sessionLimit: Number.POSITIVE_INFINITY });
      if (refused) throw refused;
    }
    this.#hls.addBytes(touched.key, ts.length);
    res.writeHead(200, {
      "content-type": "video/mp2t",
      "content-length": ts.length,
      "cache-control": "no-store",
    });
    res.end(ts);
  }

  async #readExport(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    id: string,
    clip: boolean,
  ): Promise<void> {
    const manifest = JSON.parse(
      (await this.#d.archive.store.get(exportManifestKey(id))).toString("utf8"),
    ) as SignedExportManifest;
    url.searchParams.set("start", String(manifest.window.fromMs));
    url.searchParams.set("end", String(manifest.window.toMs));
    await this.#authorize(req, url, manifest.camera, "export");
    if (!clip) return json(res, 200, manifest);
    const bytes = await this.#d.archive.store.get(exportClipKey(id));
    res.writeHead(200, { "content-type": "video/mp4", "content-length": bytes.length });
    res.end(bytes);
  }

  async #placeHold(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
  ): Promise<void> {
    const caseId = url.searchParams.get("case") ?? "";
    if (!/^[A-Za-z0-9._:/-]{1,128}$/.test(caseId)) {
      throw new VisError(
        "invalid_argument",
        "case must name the case (1–128 of A-Z a-z 0-9 . _ : / -)",
        {
          field: "case",
        },
      );
    }
    const { grant, r } = await this.#authorize(req, url, camera, "retrieve");
    const hold: LegalHold = {
      id: `h-${randomBytes(8).toString("hex")}`,
      camera,
      fromMs: r.fromMs,
      toMs: r.toMs,
      caseId,
      grantId: grant.grantId,
      placedAt: this.#d.archive.now(),
      agencyId: grant.agency,
      officers: [...grant.officers],
    };
    await this.#d.archive.placeHold(hold);
    this.#d.events?.holdPlaced?.(hold, grant.agency, grant.officers);
    json(res, 201, { hold });
  }

  async #listHolds(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
  ): Promise<void> {
    const { r } = await this.#authorize(req, url, camera, "any");
    const all = await this.#d.archive.allHolds(camera);
    json(res, 200, {
      holds: all.filter(({ hold }) => hold.fromMs < r.toMs && hold.toMs > r.fromMs),
    });
  }

  async #releaseHold(
    req: IncomingMessage,
    url: URL,
    res: ServerResponse,
    camera: string,
    id: string,
  ): Promise<void> {
    const reason = url.searchParams.get("reason") ?? "";
    if (reason.trim() === "" || reason.length > 256) {
      throw new VisError("invalid_argument", "reason is required (1–256 characters)", {
        field: "reason",
      });
    }
    if (!CAMERA_ID.test(camera)) {
      throw new VisError("invalid_argument", "camera id must match [A-Za-z0-9_-]{1,64}", {
        field: "camera",
      });
    }
    const { hold, release: earlier } = await this.#d.archive.hold(camera, id);
    // the releasing grant must cover the hold's whole window, for retrieval (调取)
    url.searchParams.set("start", String(hold.fromMs));
    url.searchParams.set("end", String(hold.toMs));
    const { grant } = await this.#authorize(req, url, camera, "retrieve");
    if (earlier === undefined && (hold.agencyId ?? "") !== grant.agency) {
      throw new VisError(
        "permission_denied",
        `legal hold ${id} was placed by ${hold.agencyId || "an unrecorded agency"}; only that agency may release it`,
        { field: "hold_id", article: "Art. 24" },
      );
    }
    const release: HoldRelease = {
      holdId: id,
      camera,
      releasedAt: this.#d.archive.now(),
      agencyId: grant.agency,
      officers: [...grant.officers],
      grantId: grant.grantId,
      reason,
    };
    await this.#d.archive.releaseHold(release);
    this.#d.events?.holdReleased?.(hold, release);
    json(res, 200, { hold, release });
  }

  /**
   * A copy (Art. 24 复制) of a granted window: an MP4 with a signed manifest, kept past retention
   * by a hold tied to the grant, and registered. Windows longer than `exportMaxMs` are refused
   * before any work (the clip is built in memory): split them into several exports.
   */
  async #export(req: IncomingMessage, url: URL, camera: string) {
    const { grant, r } = await this.#authorize(req, url, camera, "export");
    const max = this.#d.exportMaxMs ?? EXPORT_MAX_MS;
    if (r.toMs - r.fromMs > max) {
      throw new VisError(
        "invalid_argument",
        `an export covers at most ${Math.round(max / 60_000)} min; this window is ${Math.round((r.toMs - r.fromMs) / 60_000)} min — split it into several exports`,
        { field: "end" },
      );
    }
    const out = await createExport(
      this.#d.archive,
      this.#d.locator,
      this.#d.signer,
      grant,
      camera,
      r.fromMs,
      r.toMs,
      this.#d.ffmpegPath,
    );
    await this.#holdFor(grant, out.manifest);
    this.#d.events?.exportCreated?.(out.manifest, req.socket.remoteAddress ?? "");
    return out;
  }

  /** An export's footage is kept past retention: a legal hold tied to its grant. */
  async #holdFor(grant: RecordedGrant, m: SignedExportManifest): Promise<void> {
    const hold: LegalHold = {
      id: m.exportId,
      camera: m.camera,
      fromMs: m.window.fromMs,
      toMs: m.window.toMs,
      caseId: "",
      grantId: grant.grantId,
      placedAt: this.#d.archive.now(),
      agencyId: grant.agency,
      officers: [...grant.officers],
    };
    await this.#d.archive.placeHold(hold);
    this.#d.events?.holdPlaced?.(hold, grant.agency, grant.officers);
  }

  async #refuseChange(method: string, key: string): Promise<void> {
    // inside retention or held: refused citing why (Art. 22(3)); nothing is removed either way —
    // past retention only the scheduled sweep removes a segment, and registers the removal
    if (method === "DELETE") await this.#d.archive.checkRemovable(key);
    throw new VisError(
      method === "DELETE" ? "permission_denied" : "failed_precondition",
      method === "DELETE"
        ? "segments past retention are removed only by the scheduled retention sweep"
        : "recordings cannot be written or altered through the API",
      { field: "key", article: "Art. 22(3)" },
    );
  }
}

/** The first item of an iterator, then the rest of it. */
async function* resume<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    for (let c = await rest.next(); !c.done; c = await rest.next()) yield c.value;
  } finally {
    await rest.return?.();
  }
}

/** Resolves when `res` can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((ok) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      ok();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
  return url.searchParams.get("token") || bearer || undefined;
}

/** `start`/`end`: epoch ms, or an ISO 8601 instant. */
export function timeParam(url: URL, name: "start" | "end"): number {
  const v = url.searchParams.get(name);
  if (v === null || v === "") {
    throw new VisError("invalid_argument", `${name} is required (epoch ms or ISO 8601)`, {
      field: name,
    });
  }
  const n = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n))
    throw new VisError("invalid_argument", `${name} is not a time`, { field: name });
  return n;
}
