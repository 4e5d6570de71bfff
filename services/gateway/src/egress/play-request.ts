import type { IncomingMessage } from "node:http";
import { VisError } from "@vis/errors";
import type { PlayProtocol, PlayRequest } from "../sessions/play-authorizer.ts";

export const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type Route =
  | { readonly kind: "play"; readonly request: PlayRequest }
  | { readonly kind: "hls"; readonly request: PlayRequest; readonly file: string };

/**
 * Reads a play request from the URL and headers:
 * `/live/<camera>.flv` (HTTP-FLV, or WS-FLV on a WebSocket upgrade) and
 * `/hls/<camera>/<file>` (playlist and segments); the token from `?token=` or
 * `Authorization: Bearer`. Unknown paths are `not_found`, bad ids `invalid_argument`.
 */
export function parsePlayRoute(req: IncomingMessage, websocket: boolean): Route {
  const url = new URL(req.url ?? "/", "http://gateway.invalid");
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
  const token = url.searchParams.get("token") ?? bearer ?? undefined;
  const remoteAddress = req.socket.remoteAddress ?? "";
  const base = (camera: string, protocol: PlayProtocol): PlayRequest => {
    if (!CAMERA_ID.test(camera)) {
      throw new VisError("invalid_argument", "camera id must match [A-Za-z0-9_-]{1,64}", {
        field: "camera",
      });
    }
    return { camera, mode: "live", protocol, token: token || undefined, remoteAddress };
  };
  const live = /^\/live\/([^/]+)\.flv$/.exec(url.pathname);
  if (live?.[1] !== undefined) {
    return { kind: "play", request: base(live[1], websocket ? "ws-flv" : "http-flv") };
  }
  const hls = /^\/hls\/([^/]+)\/([A-Za-z0-9_-]+\.(?:m3u8|ts))$/.exec(url.pathname);
  if (hls?.[1] !== undefined && hls[2] !== undefined && !websocket) {
    return { kind: "hls", request: base(hls[1], "hls"), file: hls[2] };
  }
  throw new VisError("not_found", "no such stream path; use /live/<camera>.flv", {
    field: "path",
  });
}
