import { mkdtempSync, rmSync, statSync } from "node:fs";
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
});
