import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { httpStatusOf, VisError } from "@vis/errors";
import type { Camera } from "./camera.ts";
import { sendError, sendJson } from "./http-util.ts";
import type { CameraStatus } from "./info.ts";
import { type PlaybackDeps, servePlayback } from "./playback.ts";

export interface ApiDeps {
  readonly cameras: ReadonlyMap<string, Camera>;
  readonly status: (camera: Camera) => Promise<CameraStatus>;
  readonly playback: PlaybackDeps;
  readonly log: (line: string) => void;
}

const LIVE = /^\/([^/]+)\/([^/]+)\.flv$/;
const CONTROL = /^\/cameras\/([^/]+)\/(start|stop)$/;
const PLAYBACK = /^\/playback\/([^/]+)$/;

function cameraOf(deps: ApiDeps, rawId: string): Camera {
  let id = rawId;
  try {
    id = decodeURIComponent(rawId);
  } catch {} // malformed escapes: look it up as written (and miss)
  const camera = deps.cameras.get(id);
  if (camera === undefined) throw new VisError("not_found", `no camera ${id}`, { field: "camera" });
  return camera;
}

/** Why a live request must be refused, or undefined to let node-media-server serve it. */
function liveRefusal(deps: ApiDeps, method: string, path: string): VisError | undefined {
  try {
    return checkLive(deps, method, path);
  } catch (err) {
    return VisError.from(err);
  }
}

function checkLive(deps: ApiDeps, method: string, path: string): VisError | undefined {
  const m = LIVE.exec(path);
  if (m === null) return new VisError("not_found", `no such endpoint: ${path}`);
  if (method !== "GET") return new VisError("permission_denied", "cameras cannot be published to");
  if (m[1] !== "live")
    return new VisError("not_found", `no camera at ${path}`, { field: "camera" });
  const camera = cameraOf(deps, m[2] ?? "");
  if (camera.state !== "running") {
    return new VisError("unavailable", `camera ${camera.id} is ${camera.state}`);
  }
  return undefined;
}

async function route(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const control = CONTROL.exec(url.pathname);
  const playback = PLAYBACK.exec(url.pathname);
  if (url.pathname === "/cameras" && method === "GET") {
    sendJson(res, 200, { cameras: await Promise.all([...deps.cameras.values()].map(deps.status)) });
  } else if (control !== null && method === "POST") {
    const camera = cameraOf(deps, control[1] ?? "");
    await (control[2] === "stop" ? camera.stop() : camera.start());
    sendJson(res, 200, await deps.status(camera));
  } else if (playback !== null && method === "GET") {
    await servePlayback(res, cameraOf(deps, playback[1] ?? "").id, url.searchParams, deps.playback);
  } else if (control !== null || playback !== null || url.pathname === "/cameras") {
    throw new VisError("unimplemented", `${method} is not supported on ${url.pathname}`);
  } else {
    throw new VisError("not_found", `no such endpoint: ${url.pathname}`);
  }
}

/** HTTP entry: answers the API itself, refuses bad live requests, passes good ones to the server. */
export function handleRequest(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? "/", "http://simulator");
  if (url.pathname.endsWith(".flv")) {
    const refusal = liveRefusal(deps, req.method ?? "GET", url.pathname);
    if (refusal === undefined) {
      res.setHeader("content-type", "video/x-flv"); // node-media-server sends none
      return false;
    }
    sendError(res, refusal);
    return true;
  }
  route(deps, req, res, url).catch((err: unknown) => sendError(res, err, deps.log));
  return true;
}

/** WebSocket upgrades (WS-FLV): same rules as HTTP-FLV, refused with a bare HTTP status line. */
export function handleUpgrade(deps: ApiDeps, req: IncomingMessage, socket: Duplex): boolean {
  const url = new URL(req.url ?? "/", "http://simulator");
  const refusal = liveRefusal(deps, "GET", url.pathname);
  if (refusal === undefined) return false;
  socket.end(`HTTP/1.1 ${httpStatusOf(refusal.code)} ${refusal.code}\r\nConnection: close\r\n\r\n`);
  return true;
}
