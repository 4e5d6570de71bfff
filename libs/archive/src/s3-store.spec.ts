import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3SegmentStore } from "./s3-store.ts";

// Against a real S3-compatible server in this process (s3rver 3.7.1, filesystem-backed).
describe("S3-compatible store", () => {
  const dir = mkdtempSync(join(tmpdir(), "vis-s3-"));
  let server: S3rver;
  let store: S3SegmentStore;
  let endpoint: string;

  beforeAll(async () => {
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "vis-archive", configs: [] }],
    });
    const addr = (await server.run()) as { port: number };
    endpoint = `http://127.0.0.1:${addr.port}`;
    store = new S3SegmentStore({
      endpoint,
      bucket: "vis-archive",
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("puts once, reads back, refuses a rewrite", async () => {
    await store.put("seg/cam-001/000000000001000-2000.flv", Buffer.from("segment bytes"));
    expect((await store.get("seg/cam-001/000000000001000-2000.flv")).toString()).toBe(
      "segment bytes",
    );
    expect(await store.head("seg/cam-001/000000000001000-2000.flv")).toBe(13);
    await expect(
      store.put("seg/cam-001/000000000001000-2000.flv", Buffer.from("x")),
    ).rejects.toMatchObject({
      code: "already_exists",
    });
    await expect(store.get("seg/cam-001/nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("lists by prefix across pages and removes", async () => {
    for (let i = 0; i < 5; i++)
      await store.put(`man/cam-002/${String(i).padStart(12, "0")}.json`, Buffer.from(`{"i":${i}}`));
    const keys: string[] = [];
    for await (const o of store.list("man/cam-002/")) keys.push(o.key);
    expect(keys).toHaveLength(5);
    expect(keys[0]).toBe("man/cam-002/000000000000.json");
    const after: string[] = [];
    for await (const o of store.list("man/cam-002/", "man/cam-002/000000000002.json"))
      after.push(o.key);
    expect(after).toEqual(["man/cam-002/000000000003.json", "man/cam-002/000000000004.json"]);
    await store.remove("man/cam-002/000000000000.json");
    expect(await store.head("man/cam-002/000000000000.json")).toBeUndefined();
  });

  // s3rver checks the access key id of a SigV4 request but not the signature itself (its V4
  // verification is unimplemented), so only the key id can be shown to matter here.
  it("an unknown access key is refused by the server", async () => {
    const bad = new S3SegmentStore({
      endpoint,
      bucket: "vis-archive",
      region: "us-east-1",
      accessKeyId: "NOT-A-KEY",
      secretAccessKey: "S3RVER",
    });
    await expect(bad.get("seg/cam-001/000000000001000-2000.flv")).rejects.toMatchObject({
      code: "unavailable",
    });
  });
});
