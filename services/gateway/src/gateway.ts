import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Server as NetServer, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { httpErrorBody, VisError } from "@vis/errors";
import { type HlsOptions, HlsPackagers } from "./egress/hls.ts";
import { parsePlayRoute, type Route } from "./egress/play-request.ts";
import { createRtmpServer } from "./egress/rtmp-server.ts";
import { rawSink, webSocketSink } from "./egress/sinks.ts";
import { acceptResponse, isWebSocketRequest, watchClientFrames } from "./egress/websocket.ts";
import type { HubViewer } from "./hub/stream-hub.ts";
import { StreamManager, type StreamManagerOptions } from "./hub/stream-manager.ts";
import type { ViewerSink } from "./hub/viewer-sink.ts";
import { MemoryReclaimer } from "./memory-reclaim.ts";
import { type GatewayPeer, placeCamera } from "./placement/placement.ts";
import { HlsSessions } from "./sessions/hls-sessions.ts";
import type { PlayAuthorizer, PlayGrant, PlayRequest } from "./sessions/play-authorizer.ts";
import { type EndReason, type Session, SessionRegistry } from "./sessions/session-registry.ts";
import type { SourceResolver } from "./sources.ts";

/** What the gateway tells the rest of the hub (the composition root sends it over NATS). */
export interface GatewayEvents {
  sessionStarted(session: Session): void;
  sessionEnded(session: Session, reason: EndReason, endedAt: Date): void;
  playRefused(request: PlayRequest | undefined, error: VisError, at: Date): void;
}

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly authorizer: PlayAuthorizer;
  readonly sources: SourceResolver;
  readonly streams: StreamManagerOptions;
  readonly events?: Partial<GatewayEvents>;
  /** Refusals for bad or missing credentials are answered after this delay (default 200 ms). */
  readonly refusalDelayMs?: number;
  /** Run a full GC after many viewers left (default true); see memory-reclaim.ts. */
  readonly reclaimMemory?: boolean;
  /** HLS packaging (defaults: 2 s segments, 6 in the playlist, stopped after 30 s unused). */
  readonly hls?: Partial<HlsOptions>;
  /**
   * Several gateways: this one and its live peers. A new HTTP-FLV or HLS play of a camera that
   * another gateway should serve (rendezvous hash, see placement.ts) is answered — after it was
   * authorised — with a 307 to that gateway, unless this one already pulls the camera.
   */
  readonly placement?: { self(): GatewayPeer; peers(): readonly GatewayPeer[] };
  /** RTMP play egress (`rtmp://host:port/live/<camera>?token=…`); absent = not served. */
  readonly rtmp?: { readonly host: string; readonly port: number };
}

const FLV_HEAD =
  "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache, no-store\r\n" +
  "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";

/**
 * The stream gateway: an HTTP server whose every play is authorised before any response, fanned
 * out from one on-demand pull per camera.
 */
export class Gateway {
  readonly sessions = new SessionRegistry();
  readonly streams: StreamManager;
  readonly #o: GatewayOptions;
  readonly #server: Server;
  readonly #rtmp: NetServer | undefined;
  readonly #sockets = new Set<Socket | Duplex>();
  readonly #mounted: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[] = [];
  readonly #reclaimer: MemoryReclaimer | undefined;
  readonly #hls: HlsPackagers;
  readonly #hlsSessions: HlsSessions;
  #closing = false;

  constructor(options: GatewayOptions) {
    this.#o = options;
    this.#reclaimer = options.reclaimMemory === false ? undefined : new MemoryReclaimer();
    this.streams = new StreamManager(options.streams);
    const hls = {
      ffmpegPath: options.streams.ffmpegPath,
      segmentSeconds: 2,
      listSize: 6,
      idleMs: 30_000,
      ...options.hls,
    };
    this.#hls = new HlsPackagers(hls);
    this.#hlsSessions = new HlsSessions(
      this.sessions,
      Math.max(10_000, hls.segmentSeconds * hls.listSize * 1000),
      (s) => this.#o.events?.sessionStarted?.(s),
      (s, reason) => this.#o.events?.sessionEnded?.(s, reason, new Date()),
    );
    this.#server = createServer((req, res) => void this.#onRequest(req, res));
    this.#server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
      void this.#onUpgrade(req, socket);
    });
    this.#server.on("connection", (s: Socket) => this.#track(s));
    this.#rtmp = options.rtmp
      ? createRtmpServer({
          admit: async (request) => {
            const admitted = await this.#admit(request);
            if (admitted instanceof VisError) {
              await this.#refusalDelay(admitted);
              this.#o.events?.playRefused?.(request, admitted, new Date());
              return admitted;
            }
            return {
              start: (sink, socket) =>
                void this.#start(request, admitted.grant, admitted.source, socket, sink),
            };
          },
        })
      : undefined;
    this.#rtmp?.on("connection", (s: Socket) => this.#track(s));
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.once("close", () => this.#sockets.delete(s));
  }

  /** Listens for RTMP plays (when configured); resolves with the bound port. */
  listenRtmp(): Promise<number> {
    const server = this.#rtmp;
    const o = this.#o.rtmp;
    if (!server || !o) return Promise.reject(new VisError("failed_precondition", "RTMP is off"));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        const addr = server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : o.port);
      });
    });
  }

  /** Listens; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#o.port, this.#o.host, () => {
        this.#server.off("error", reject);
        const addr = this.#server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : this.#o.port);
      });
    });
  }

  /** Ends the grant's sessions now and refuses it from now on; returns how many ended. */
  revoke(grantId: string, until?: number): number {
    return this.sessions.revoke(grantId, until);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.sessions.endAll("gateway_stopping");
    this.#hlsSessions.close();
    await this.#hls.close();
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    const rtmp = this.#rtmp;
    const rtmpClosed = rtmp?.listening
      ? new Promise<void>((r) => rtmp.close(() => r()))
      : Promise.resolve();
    for (const s of this.#sockets) s.destroy();
    await Promise.all([closed, rtmpClosed, this.streams.close()]);
  }

  /**
   * Serves other routes on the play port (the archive's `/recorded/…` and `/archive/…`): each
   * handler answers and returns true for its own paths, false for the rest.
   */
  mount(handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>): void {
    this.#mounted.push(handler);
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const h of this.#mounted) if (await h(req, res)) return;
    if (req.method === "OPTIONS") {
      // a browser's preflight before a play with `Authorization: Bearer` (tokens, never cookies)
      res.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        "access-control-allow-headers": "authorization",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    let route: Route | undefined;
    try {
      route = parsePlayRoute(req, false);
      if (req.method !== "GET") throw new VisError("unimplemented", "only GET plays a stream");
      if (route.kind === "hls") {
        await this.#serveHls(route.request, route.file, req, res);
        return;
      }
      const admitted = await this.#admit(route.request);
      if (admitted instanceof VisError) throw admitted;
      if (this.#redirect(route.request, req, res)) return;
      const socket = req.socket;
      if (socket.destroyed) return;
      socket.setNoDelay(true);
      socket.write(FLV_HEAD);
      this.#start(route.request, admitted.grant, admitted.source, socket, rawSink(socket));
    } catch (err) {
      const e = VisError.from(err);
      await this.#refusalDelay(e);
      this.#o.events?.playRefused?.(route?.request, e, new Date());
      const { status, body } = httpErrorBody(e);
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        connection: "close",
        "access-control-allow-origin": "*",
      });
      res.end(body);
    }
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex): Promise<void> {
    socket.on("error", () => undefined);
    let route: Route | undefined;
    try {
      if (!isWebSocketRequest(req)) throw new VisError("invalid_argument", "not a WebSocket");
      route = parsePlayRoute(req, true);
      const admitted = await this.#admit(route.request);
      if (admitted instanceof VisError) throw admitted;
      if (socket.destroyed) return;
      socket.write(acceptResponse(req));
      const session = this.#start(
        route.request,
        admitted.grant,
        admitted.source,
        socket,
        webSocketSink(socket),
      );
      if (session) watchClientFrames(socket, () => socket.destroy());
    } catch (err) {
      const e = VisError.from(err);
      await this.#refusalDelay(e);
      this.#o.events?.playRefused?.(route?.request, e, new Date());
      const { status, body } = httpErrorBody(e);
      if (socket.destroyed) return;
      socket.end(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }

  /** One HLS request: authorised like a play; the session is (grant, address, camera). */
  async #serveHls(
    request: PlayRequest,
    file: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const admitted = await this.#admit(request, false);
    if (admitted instanceof VisError) throw admitted;
    if (
      file.endsWith(".m3u8") &&
      !this.#hls.has(request.camera) &&
      this.#redirect(request, req, res)
    ) {
      return;
    }
    const touched = this.#hlsSessions.touch(admitted.grant, request);
    if (touched instanceof VisError) throw touched;
    const query = new URL(req.url ?? "/", "http://gateway.invalid").search.slice(1);
    const { body, contentType } = await this.#hls.read(request.camera, file, query, () =>
      this.streams.acquire(request.camera, admitted.source),
    );
    this.#hlsSessions.addBytes(touched.key, body.length);
    res.writeHead(200, {
      "content-type": contentType,
      "content-length": body.length,
      "cache-control": file.endsWith(".m3u8") ? "no-cache" : "max-age=60",
      "access-control-allow-origin": "*",
    });
    res.end(body);
  }

  /** Sends a 307 to the gateway that should serve this camera; false when it is this one. */
  #redirect(request: PlayRequest, req: IncomingMessage, res: ServerResponse): boolean {
    const placement = this.#o.placement;
    if (!placement || this.streams.has(request.camera)) return false;
    const url = new URL(req.url ?? "/", "http://gateway.invalid");
    if (url.searchParams.has("placed")) return false; // one hop at most
    const self = placement.self();
    const others = placement.peers().filter((p) => p.instanceId !== self.instanceId);
    const target = placeCamera(request.camera, [self, ...others]);
    if (!target || target.instanceId === self.instanceId) return false;
    url.searchParams.set("placed", "1");
    res.writeHead(307, {
      location: `${target.playUrl}${url.pathname}${url.search}`,
      "content-length": 0,
      "access-control-allow-origin": "*",
    });
    res.end();
    return true;
  }

  /** Authorises, checks the grant's session limit and finds the source. Nothing is sent here. */
  async #admit(
    request: PlayRequest,
    countSession = true,
  ): Promise<{ grant: PlayGrant; source: string } | VisError> {
    if (this.#closing) return new VisError("unavailable", "gateway is stopping");
    let decision: PlayGrant | VisError;
    try {
      decision = await this.#o.authorizer.authorize(request);
    } catch (err) {
      decision = VisError.from(err);
    }
    if (decision instanceof VisError) return decision;
    const refused = countSession
      ? this.sessions.check(decision)
      : this.sessions.check({ ...decision, sessionLimit: Number.POSITIVE_INFINITY });
    if (refused) return refused;
    let source: string | undefined;
    try {
      source = await this.#o.sources.resolve(request.camera);
    } catch (err) {
      const e = VisError.from(err, "unavailable");
      return new VisError(
        "unavailable",
        `cannot look up the source of ${request.camera}: ${e.message}`,
        {
          field: "camera",
          cause: err,
        },
      );
    }
    if (source === undefined) {
      return new VisError("not_found", `camera ${request.camera} has no live source here`, {
        field: "camera",
      });
    }
    return { grant: decision, source };
  }

  /** Opens the session and attaches the viewer; the 200/101 was just written. */
  #start(
    request: PlayRequest,
    grant: PlayGrant,
    source: string,
    socket: Duplex,
    sink: ViewerSink,
  ): Session | undefined {
    // Re-check synchronously: another play of the same grant may have been admitted meanwhile.
    if (this.sessions.check(grant)) {
      socket.destroy();
      return undefined;
    }
    let viewer: HubViewer | undefined;
    const end = (reason: EndReason) => {
      const s = this.sessions.close(session.id);
      viewer?.detach();
      socket.destroy();
      if (s) this.#o.events?.sessionEnded?.(s, reason, new Date());
      this.#reclaimer?.observe(this.sessions.size);
    };
    const session = this.sessions.open(
      {
        grant,
        camera: request.camera,
        protocol: request.protocol,
        remoteAddress: request.remoteAddress,
        bytes: () => viewer?.bytes ?? 0,
      },
      end,
    );
    socket.on("error", () => undefined);
    socket.once("close", () => end("viewer_left"));
    this.#o.events?.sessionStarted?.(session);
    this.#reclaimer?.observe(this.sessions.size);
    const hub = this.streams.acquire(request.camera, source);
    viewer = hub.attach(sink, (reason) => end(reason));
    if (socket.destroyed) end("viewer_left");
    return session;
  }

  async #refusalDelay(e: VisError): Promise<void> {
    const slow = e.code === "unauthenticated" || e.code === "permission_denied";
    const ms = this.#o.refusalDelayMs ?? 200;
    if (slow && ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}
