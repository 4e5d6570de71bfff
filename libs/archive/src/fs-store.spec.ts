import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FsSegmentStore } from "./fs-store.ts";

describe("filesystem store", () => {
  const root = mkdtempSync(join(tmpdir(), "vis-archive-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const store = new FsSegmentStore(root);

  it("writes once, read-only, and refuses a second write of the same key", async () => {
    await store.put("seg/cam-001/a.flv", Buffer.from("first"));
    await expect(store.put("seg/cam-001/a.flv", Buffer.from("second"))).rejects.toMatchObject({
      code: "already_exists",
      article: "Art. 22(3)",
    });
    expect((await store.get("seg/cam-001/a.flv")).toString()).toBe("first");
    expect(statSync(join(root, "seg/cam-001/a.flv")).mode & 0o222).toBe(0);
  });

  it("lists by prefix in key order, without temp files", async () => {
    await store.put("seg/cam-001/b.flv", Buffer.from("b"));
    await store.put("seg/cam-0010/c.flv", Buffer.from("c"));
    const keys: string[] = [];
    for await (const o of store.list("seg/cam-001/")) keys.push(o.key);
    expect(keys).toEqual(["seg/cam-001/a.flv", "seg/cam-001/b.flv"]);
    const after: string[] = [];
    for await (const o of store.list("seg/", "seg/cam-001/a.flv")) after.push(o.key);
    expect(after).toEqual(["seg/cam-001/b.flv", "seg/cam-0010/c.flv"]);
    const later: string[] = [];
    for await (const o of store.list("seg/", "seg/cam-001/zzz")) later.push(o.key);
    expect(later).toEqual(["seg/cam-0010/c.flv"]);
  });

  it("refuses keys that escape the root", async () => {
    await expect(store.put("../x", Buffer.from("x"))).rejects.toMatchObject({ field: "key" });
    await expect(store.get("seg/../../etc/passwd")).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(await store.freeBytes()).toBeGreaterThan(0);
  });

  it("keeps segments and manifest records in shard folders; keys, order and listing unchanged", async () => {
    const seg = (startMs: number) => `seg/cam-9/${String(startMs).padStart(15, "0")}-2000.flv`;
    const starts = [1_795_949_998_000, 1_795_950_000_000, 1_795_959_999_000, 1_795_960_001_000];
    for (const t of starts) await store.put(seg(t), Buffer.from(String(t)));
    await store.put("man/cam-9/000000010000.json", Buffer.from("{}"));
    expect(store.pathOf(seg(starts[0] ?? 0))).toBe(
      join(root, "seg/cam-9/00179594/001795949998000-2000.flv"),
    );
    expect(statSync(join(root, "seg/cam-9/00179595")).isDirectory()).toBe(true);
    expect(statSync(join(root, "man/cam-9/00000001/000000010000.json")).isFile()).toBe(true);
    const all: string[] = [];
    for await (const o of store.list("seg/cam-9/")) all.push(o.key);
    expect(all).toEqual(starts.map(seg));
    const after: string[] = [];
    for await (const o of store.list("seg/cam-9/", seg(starts[1] ?? 0))) after.push(o.key);
    expect(after).toEqual([seg(starts[2] ?? 0), seg(starts[3] ?? 0)]);
    expect((await store.get(seg(starts[3] ?? 0))).toString()).toBe(String(starts[3]));
    await store.remove(seg(starts[0] ?? 0));
    expect(await store.head(seg(starts[0] ?? 0))).toBeUndefined();
  });

  it("reads a file written flat before sharding, and refuses to write its key again", async () => {
    const key = "seg/cam-8/001795950000000-2000.flv";
    mkdirSync(join(root, "seg/cam-8"), { recursive: true });
    writeFileSync(join(root, key), "flat");
    expect((await store.get(key)).toString()).toBe("flat");
    expect(await store.head(key)).toBe(4);
    await expect(store.put(key, Buffer.from("again"))).rejects.toMatchObject({
      code: "already_exists",
    });
    const keys: string[] = [];
    for await (const o of store.list("seg/cam-8/")) keys.push(o.key);
    expect(keys).toEqual([key]);
  });
});
