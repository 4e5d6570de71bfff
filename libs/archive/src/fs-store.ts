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
import { dirname, join, relative, sep } from "node:path";
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

/**
 * The local-filesystem store: one file per object under `root`. A put writes a temp file, fsyncs
 * it, then hard-links it to its final name (which fails if the name exists, so a key is written
 * once and never replaced), fsyncs the folder, and makes the file read-only.
 */
export class FsSegmentStore implements SegmentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(key);
    const path = join(this.root, key);
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
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new VisError("already_exists", `${key} is already stored and cannot be rewritten`, {
          field: "key",
          article: "Art. 22(3)",
        });
      }
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
    try {
      return await readFile(join(this.root, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new VisError("not_found", `${key} is not stored`, { field: "key" });
      }
      throw err;
    }
  }

  async head(key: string): Promise<number | undefined> {
    checkKey(key);
    return stat(join(this.root, key)).then(
      (s) => s.size,
      () => undefined,
    );
  }

  async *list(prefix: string, startAfter = ""): AsyncIterable<StoredObject> {
    const slash = prefix.lastIndexOf("/");
    const base = slash < 0 ? "" : prefix.slice(0, slash);
    yield* this.#walk(join(this.root, base), prefix, startAfter);
  }

  async *#walk(dir: string, prefix: string, after: string): AsyncIterable<StoredObject> {
    let entries: { name: string; isDirectory(): boolean; isFile(): boolean }[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".tmp-")) continue;
      const path = join(dir, e.name);
      const key = relative(this.root, path).split(sep).join("/");
      if (e.isDirectory()) {
        // a folder whose every key sorts before `after` is skipped without reading it
        if (after !== "" && `${key}/\uffff` <= after) continue;
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`))
          yield* this.#walk(path, prefix, after);
      } else if (e.isFile() && key.startsWith(prefix) && key > after) {
        yield { key, size: (await stat(path)).size };
      }
    }
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    await unlink(join(this.root, key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }

  async freeBytes(): Promise<number | undefined> {
    await mkdir(this.root, { recursive: true });
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }
}
