import { VisError } from "@vis/errors";
import { flagString, type ParsedArgs } from "../args.ts";

/** A required `--name` flag's value; `invalid_argument` naming it when absent. */
export function required(args: ParsedArgs, name: string): string {
  const v = flagString(args, name);
  if (v === undefined || v === "") {
    throw new VisError("invalid_argument", `--${name} is required`, { field: `--${name}` });
  }
  return v;
}

/** The gateway's address (`--url`, default the hub's play port) and the grant token. */
function target(args: ParsedArgs): { base: string; token: string } {
  const base = flagString(args, "url") ?? "http://127.0.0.1:8088";
  if (!/^https?:\/\//.test(base)) {
    throw new VisError("invalid_argument", "--url must be the gateway's http(s):// address", {
      field: "--url",
    });
  }
  const token = flagString(args, "token") ?? process.env.VIS_GRANT_TOKEN ?? "";
  if (token === "") {
    throw new VisError("invalid_argument", "--token (or VIS_GRANT_TOKEN) is required", {
      field: "--token",
      article: "Art. 24",
    });
  }
  return { base, token };
}

/**
 * One request to the gateway's HTTP edge with the grant as a bearer token; its JSON error (code,
 * field, article) becomes the CLI's. Answers the (successful) response.
 */
export async function gatewayRequest(
  args: ParsedArgs,
  method: "GET" | "POST",
  path: string,
  query: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<Response> {
  const { base, token } = target(args);
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  }).catch((err: unknown) => {
    throw new VisError("unavailable", `${base} did not answer: ${String(err)}`, { field: "--url" });
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: Record<string, string> };
    const e = body.error ?? {};
    throw new VisError(
      (e.code as ConstructorParameters<typeof VisError>[0]) ?? "unavailable",
      e.message ?? `${url.pathname} answered ${res.status}`,
      { ...(e.field ? { field: e.field } : {}), ...(e.article ? { article: e.article } : {}) },
    );
  }
  return res;
}

/** `gatewayRequest` answering the JSON body. */
export async function gatewayCall(
  args: ParsedArgs,
  method: "GET" | "POST",
  path: string,
  query: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const res = await gatewayRequest(args, method, path, query, options);
  return (await res.json().catch(() => ({}))) as Record<string, unknown>;
}
