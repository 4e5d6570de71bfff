import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { VisError } from "@vis/errors";
import {
  listen,
  loadNms,
  type NmsContext,
  type NmsInstance,
  type NmsSession,
  nmsConfig,
} from "./nms.ts";

/** What the simulator decides before node-media-server sees a connection. */
export interface MediaServerHooks {
  /** Handles an HTTP request itself (API, refusals); false passes it to node-media-server. */
  onRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Same for WebSocket upgrades (WS-FLV). */
  onUpgrade(req: IncomingMessage, socket: Duplex): boolean;
  /** Whether an RTMP player may play a stream path such as `/live/cam-001`. */
  mayPlay(streamPath: string): boolean;
  log(line: string): void;
}

export interface MediaServerOptions {
  readonly host: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly storeDir: string;
}

/** Puts `guard` in front of whatever listeners `event` already has. */
function interpose<A extends unknown[]>(
  server: HttpServer,
  event: "request" | "upgrade",
  guard: (...args: A) => boolean,
) {
  const originals = server.listeners(event) as ((...args: unknown[]) => void)[];
  server.removeAllListeners(event);
  server.on(event, (...args: unknown[]) => {
    if (guard(...(args as A))) return;
    for (const listener of originals) listener.apply(server, args);
  });
}

function kick(session: NmsSession): void {
  (session.socket ?? session.req?.socket)?.destroy();
}

/** node-media-server 4.4.3 in this process: RTMP in, RTMP / HTTP-FLV / WS-FLV out. */
export class MediaServer {
  private constructor(
    private readonly nms: NmsInstance,
    private readonly context: NmsContext,
    private readonly http: HttpServer,
    readonly rtmpPort: number,
    readonly httpPort: number,
  ) {}

  static async start(o: MediaServerOptions, hooks: MediaServerHooks): Promise<MediaServer> {
    const { Nms, context } = loadNms(hooks.log);
    const nms = new Nms(nmsConfig(o.host, o.storeDir));
    const rtmp = nms.rtmpServer.tcpServer;
    const http = nms.httpServer.httpServer;
    if (rtmp === undefined || http === undefined) {
      throw new VisError("internal", "node-media-server did not create its listeners");
    }
    interpose(http, "request", hooks.onRequest);
    interpose(http, "upgrade", hooks.onUpgrade);
    nms.on("prePlay", (session) => {
      if (session.protocol === "rtmp" && !hooks.mayPlay(session.streamPath)) kick(session);
    });
    try {
      const rtmpPort = await listen(rtmp, o.rtmpPort, o.host, "rtmpPort");
      const httpPort = await listen(http, o.httpPort, o.host, "httpPort");
      return new MediaServer(nms, context, http, rtmpPort, httpPort);
    } catch (err) {
      await nms.stop();
      throw err;
    }
  }

  /** True while a publisher is on the path and has sent its video configuration. */
  isLive(streamPath: string): boolean {
    const b = this.context.broadcasts.get(streamPath);
    if (b === undefined || b.publisher === null || b.flvVideoHeader === null) return false;
    return (b.getPublishStatus?.() ?? "publishing") === "publishing";
  }

  /** Resolves once the path is live; rejects with `deadline_exceeded` after `timeoutMs`. */
  async waitLive(streamPath: string, timeoutMs: number, aborted: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isLive(streamPath)) {
      if (aborted()) throw new VisError("aborted", `publishing ${streamPath} was stopped`);
      if (Date.now() > deadline) {
        throw new VisError("deadline_exceeded", `${streamPath} did not go live in ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends a stream now: disconnects its publisher and players and forgets its cached headers. */
  dropStream(streamPath: string): void {
    const b = this.context.broadcasts.get(streamPath);
    if (b === undefined) return;
    if (b.publisher !== null) kick(b.publisher);
    b._finishPublish?.();
    for (const s of [...b.subscribers.values()]) kick(s);
  }

  async stop(): Promise<void> {
    for (const path of [...this.context.broadcasts.keys()]) this.dropStream(path);
    this.http.closeAllConnections();
    await this.nms.stop();
  }
}
