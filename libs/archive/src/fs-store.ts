import { randomBytes } from "node:crypto";
import {
  chmod,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  stat,
  statfs,
  unlink,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { VisError } from "@vis/errors";
import type { SegmentStore, StoredObject } from "./segment-store.ts";

const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,511}$/;

function checkKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.includes("..") || key.includes("//") || key.endsWith("/")) {
    throw new VisError("invalid_argument", `bad object key ${JSON.stringify(key)}`, {
      field: "key",
    });
  }
}

/** Segment and manifest keys whose files go into a shard folder (first 8 characters of the name). */
const SHARDED = /^((?:seg|man)\/[A-Za-z0-9_-]{1,64})\/(\d{8})([^/]*)$/;
const SHARD_DIR = /^\d{8}$/;

/**
 * The local-filesystem store: one file per object under `root`. A put writes a temp file, fsyncs
 * it, then hard-links it to its final name (which fails if the name exists, so a key is written
 * once and never replaced), fsyncs the folder, and makes the file read-only.
 *
 * Segment and manifest files are kept in shard folders named by the first 8 characters of their
 * name (`seg/<camera>/<start ms, 15 digits>-<ms>.flv` → `seg/<camera>/<8 digits>/…`: 10^7 ms ≈ 2.8 h
 * of segments; `man/<camera>/<seq, 12 digits>.json` → 10,000 records a folder), so no folder grows
 * with the archive's age and a listing from a key skips whole folders. Keys are unchanged (the
 * folder is layout only); files written flat before this layout are still read.
 */
export class FsSegmentStore implements SegmentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Where a key's file lives. */
  pathOf(key: string): string {
    const m = SHARDED.exec(key);
    return m?.[1] === undefined || m[2] === undefined
      ? join(this.root, key)
      : join(this.root, m[1], m[2], `${m[2]}${m[3] ?? ""}`);
  }

  /** The sharded path, then (for files written before sharding) the flat one. */
  #paths(key: string): string[] {
    const p = this.pathOf(key);
    const flat = join(this.root, key);
    return p === flat ? [p] : [p, flat];
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(key);
    const path = this.pathOf(key);
    const exists = () =>
      new VisError("already_exists", `${key} is already stored and cannot be rewritten`, {
        field: "key",
        article: "Art. 22(3)",
      });
    // a key stored flat (before sharding) is just as written
    if (path !== join(this.root, key) && (await this.head(key)) !== undefined) throw exists();
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.tmp-${randomBytes(6).toString("hex")}`);
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw exists();
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await chmod(path, 0o444);
    const d = await open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    for (const path of this.#paths(key)) {
      try {
        return await readFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    throw new VisError("not_found", `${key} is not stored`, { field: "key" });
  }

  async head(key: string): Promise<number | undefined> {
    checkKey(key);
    for (const path of this.#paths(key)) {
      const size = await stat(path).then(
        (s) => s.size,
        () => undefined,
      );
      if (size !== undefined) return size;
    }
    return undefined;
  }

  async *list(prefix: string, startAfter = ""): AsyncIterable<StoredObject> {
    const slash = prefix.lastIndexOf("/");
    const base = slash < 0 ? "" : prefix.slice(0, slash);
    yield* this.#walk(join(this.root, base), base, prefix, startAfter);
  }

  /** Files under `dir` whose keys (under `keyDir`) start with `prefix` and sort after `after`. */
  async *#walk(
    dir: string,
    keyDir: string,
    prefix: string,
    after: string,
  ): AsyncIterable<StoredObject> {
    let entries: { name: string; isDirectory(): boolean; isFile(): boolean }[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const shards = /^(?:seg|man)\/[A-Za-z0-9_-]{1,64}$/.test(keyDir);
    for (const e of entries) {
      if (e.name.startsWith(".tmp-")) continue;
      const path = join(dir, e.name);
      const key = keyDir === "" ? e.name : `${keyDir}/${e.name}`;
      if (e.isDirectory()) {
        if (shards && SHARD_DIR.test(e.name)) {
          // a shard: its files' keys are `<keyDir>/<name>…`; skipped whole when all sort before
          if (after !== "" && `${key}\uffff` <= after) continue;
          if (key.startsWith(prefix) || prefix.startsWith(key))
            yield* this.#walk(path, keyDir, prefix, after);
          continue;
        }
        // a folder whose every key sorts before `after` is skipped without reading it
        if (after !== "" && `${key}/\uffff` <= after) continue;
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`))
          yield* this.#walk(path, key, prefix, after);
      } else if (e.isFile() && key.startsWith(prefix) && key > after) {
        yield { key, size: (await stat(path)).size };
      }
    }
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    for (const path of this.#paths(key)) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
    }
  }

  async freeBytes(): Promise<number | undefined> {
    await mkdir(this.root, { recursive: true });
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }
}
