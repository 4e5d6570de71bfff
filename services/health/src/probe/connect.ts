import { connect, type Socket } from "node:net";
import type { ProbeResult } from "../domain/tracker.ts";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Host and port of a probe URL, with each scheme's default port. */
export function endpointOf(url: URL): Endpoint {
  const defaults: Record<string, number> = {
    "rtmp:": 1935,
    "rtsp:": 554,
    "http:": 80,
    "https:": 443,
    "tcp:": 0,
  };
  const port = url.port === "" ? (defaults[url.protocol] ?? 0) : Number(url.port);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port };
}

/**
 * Connects, then lets `converse` talk on the socket until it settles the outcome; everything is
 * bounded by `timeoutMs` from the start and the socket is always destroyed at the end.
 */
export function withSocket(
  ep: Endpoint,
  timeoutMs: number,
  converse: (socket: Socket, done: (ok: boolean, reason: string) => void) => void,
): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const socket = connect({ host: ep.host, port: ep.port });
    const finish = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, reason, latencyMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, `timeout after ${timeoutMs} ms`), timeoutMs);
    socket.once("error", (err: NodeJS.ErrnoException) =>
      finish(false, `connect ${err.code ?? err.message}`),
    );
    socket.once("close", () => finish(false, "connection closed by peer"));
    socket.once("connect", () => converse(socket, finish));
  });
}

/** TCP connect: the port accepts connections. */
export function probeTcp(ep: Endpoint, timeoutMs: number): Promise<ProbeResult> {
  return withSocket(ep, timeoutMs, (_socket, done) => done(true, ""));
}
