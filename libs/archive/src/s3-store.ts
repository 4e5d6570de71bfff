import { VisError } from "@vis/errors";
import aws4 from "aws4";
import type { SegmentStore, StoredObject } from "./segment-store.ts";

export interface S3StoreOptions {
  /** `http(s)://host:port` of the S3-compatible endpoint (path-style requests). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * An S3-compatible object store over plain HTTP with SigV4 (`aws4`), path-style. Write-once: a put
 * is refused when the key exists (HEAD, then PUT with `If-None-Match: *`, which S3 honours since
 * 2024). The bucket itself should carry Object Lock in compliance mode with a default retention of
 * at least the systems' retention, so that not even a leaked credential can delete within it.
 */
export class S3SegmentStore implements SegmentStore {
  readonly #o: S3StoreOptions;
  readonly #url: URL;

  constructor(options: S3StoreOptions) {
    this.#o = options;
    this.#url = new URL(options.endpoint);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    if ((await this.head(key)) !== undefined) {
      throw new VisError("already_exists", `${key} is already stored and cannot be rewritten`, {
        field: "key",
        article: "Art. 22(3)",
      });
    }
    const res = await this.#send("PUT", key, {
      body: data,
      headers: { "if-none-match": "*", "content-type": "application/octet-stream" },
    });
    if (res.status === 412) {
      throw new VisError("already_exists", `${key} is already stored`, { field: "key" });
    }
    await this.#ok(res, key);
  }

  async get(key: string): Promise<Buffer> {
    const res = await this.#send("GET", key);
    if (res.status === 404)
      throw new VisError("not_found", `${key} is not stored`, { field: "key" });
    await this.#ok(res, key, false);
    return Buffer.from(await res.arrayBuffer());
  }

  async head(key: string): Promise<number | undefined> {
    const res = await this.#send("HEAD", key);
    if (res.status === 404) return undefined;
    await this.#ok(res, key);
    return Number(res.headers.get("content-length") ?? 0);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    for (let page = 0; page < 1_000_000; page++) {
      const q: Record<string, string> = { "list-type": "2", prefix, "max-keys": "1000" };
      if (token !== undefined) q["continuation-token"] = token;
      else if (startAfter !== undefined && startAfter !== "") q["start-after"] = startAfter;
      const res = await this.#send("GET", "", { query: q });
      const xml = await res.text();
      if (!res.ok) throw new VisError("unavailable", `object store list failed (${res.status})`);
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const body = m[1] ?? "";
        const k = /<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1];
        const size = /<Size>(\d+)<\/Size>/.exec(body)?.[1];
        if (k !== undefined) yield { key: unescapeXml(k), size: Number(size ?? 0) };
      }
      const next = /<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1];
      if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || next === undefined) return;
      token = unescapeXml(next);
    }
  }

  async remove(key: string): Promise<void> {
    const res = await this.#send("DELETE", key);
    if (res.status !== 404) await this.#ok(res, key);
  }

  async freeBytes(): Promise<number | undefined> {
    return undefined;
  }

  async #ok(res: Response, key: string, drain = true): Promise<void> {
    if (res.ok) {
      if (drain) await res.arrayBuffer().catch(() => undefined);
      return;
    }
    const text = await res.text().catch(() => "");
    throw new VisError("unavailable", `object store answered ${res.status} for ${key}`, {
      cause: new Error(text.slice(0, 500)),
    });
  }

  #send(
    method: string,
    key: string,
    opts: {
      body?: Uint8Array;
      headers?: Record<string, string>;
      query?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const path =
      `/${encodeURIComponent(this.#o.bucket)}/${key.split("/").map(encodeURIComponent).join("/")}` +
      (opts.query ? `?${new URLSearchParams(opts.query).toString()}` : "");
    const req = aws4.sign(
      {
        host: this.#url.host,
        path: key === "" ? path.replace(/\/\?/, "?").replace(/\/$/, "") : path,
        method,
        service: "s3",
        region: this.#o.region,
        headers: { ...opts.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
        body: opts.body === undefined ? undefined : Buffer.from(opts.body),
      },
      { accessKeyId: this.#o.accessKeyId, secretAccessKey: this.#o.secretAccessKey },
    );
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (k.toLowerCase() !== "host" && k.toLowerCase() !== "content-length")
        headers.set(k, String(v));
    }
    return fetch(`${this.#url.protocol}//${this.#url.host}${req.path}`, {
      method,
      headers,
      body: opts.body,
      signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000),
    });
  }
}

function unescapeXml(s: string): string {
  return s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}
