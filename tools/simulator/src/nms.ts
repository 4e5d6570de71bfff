import type { EventEmitter } from "node:events";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { Server as NetServer, Socket } from "node:net";
import { VisError } from "@vis/errors";

/**
 * The parts of node-media-server 4.4.3 (CommonJS, untyped) this package touches, typed narrowly.
 * The simulator reaches past its public API on purpose: it listens on the servers itself (so port 0
 * works and a busy port is an error, not `process.exit(1)`), silences its logger, and drops
 * streams at once when a camera stops (no 30 s publish grace). The version is pinned.
 */

export interface NmsSession {
  readonly id: string;
  readonly protocol: string;
  readonly streamPath: string;
  readonly socket?: Socket;
  readonly req?: IncomingMessage;
}

export interface NmsBroadcast {
  readonly publisher: NmsSession | null;
  readonly subscribers: Map<string, NmsSession>;
  readonly flvVideoHeader: Buffer | null;
  getPublishStatus?: () => "publishing" | "reconnecting" | "idle";
  _finishPublish?: () => void;
}

export interface NmsContext {
  readonly broadcasts: Map<string, NmsBroadcast>;
  readonly eventEmitter: EventEmitter;
}

export interface NmsInstance {
  readonly rtmpServer: { readonly tcpServer?: NetServer };
  readonly httpServer: { readonly httpServer?: HttpServer };
  on(event: string, listener: (session: NmsSession) => void): void;
  stop(): Promise<void>;
}

interface NmsLogger {
  log(message: string, level?: string): void;
}

type NmsConstructor = new (config: Record<string, unknown>) => NmsInstance;

const require = createRequire(import.meta.url);

/** Loads node-media-server with its logger redirected: warnings and errors go to `sink`. */
export function loadNms(sink: (line: string) => void): {
  Nms: NmsConstructor;
  context: NmsContext;
} {
  const logger = require("node-media-server/src/core/logger.js") as NmsLogger;
  logger.log = (message: string, level = "info") => {
    if (level === "warn" || level === "error") sink(`nms ${level}: ${message}`);
  };
  const Nms = require("node-media-server") as NmsConstructor;
  const context = require("node-media-server/src/core/context.js") as NmsContext;
  return { Nms, context };
}

/** The config that makes node-media-server create (not start) one RTMP and one HTTP listener. */
export function nmsConfig(host: string, storeDir: string): Record<string, unknown> {
  return {
    bind: host,
    rtmp: { port: 1 }, // placeholder: a truthy port creates the server; we listen ourselves
    http: { port: 1 },
    webadmin: { enable: false },
    record: { auto: false },
    notify: { url: "" },
    auth: { play: false, publish: false },
    store: { path: storeDir },
  };
}

/** Listens on `port` (0 = any free one); a bind failure is `unavailable` naming the field. */
export function listen(
  server: NetServer,
  port: number,
  host: string,
  field: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        new VisError("unavailable", `${field} ${port} on ${host} is not available`, {
          field,
          cause: err,
        }),
      );
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const addr = server.address();
      resolve(typeof addr === "object" && addr !== null ? addr.port : port);
    });
  });
}
