import type { ServerResponse } from "node:http";
import { httpErrorBody, VisError } from "@vis/errors";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** Answers `{ "error": { code, message, field? } }`; unknown throws become a bland `internal`. */
export function sendError(res: ServerResponse, err: unknown, log?: (line: string) => void): void {
  const visError = VisError.from(err);
  if (visError.code === "internal" && log !== undefined) {
    const cause = visError.cause instanceof Error ? visError.cause.message : String(visError.cause);
    log(`internal error: ${visError.message}: ${cause}`);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = httpErrorBody(visError);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}
