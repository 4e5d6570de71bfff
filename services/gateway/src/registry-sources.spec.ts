import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { type Camera, CameraSchema } from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { registrySources } from "./registry-sources.ts";

const camera = (over: Record<string, unknown>): Camera =>
  create(CameraSchema, { id: "cam-1", systemId: "s", name: "c", ...over } as never);

function fakeRegistry(cameras: Record<string, Camera | "down">) {
  const calls: string[] = [];
  return {
    calls,
    client: {
      getCamera: async ({ id }: { id?: string }) => {
        calls.push(String(id));
        const c = cameras[String(id)];
        if (c === "down") throw new VisError("unavailable", "cannot reach registry");
        if (c === undefined) throw new VisError("not_found", `camera ${id} not found`);
        return { camera: c } as never;
      },
    } as never,
  };
}

describe("registrySources", () => {
  it("picks the pullable live source with the lowest priority", async () => {
    const { client } = fakeRegistry({
      "cam-1": camera({
        liveSources: [
          { url: "gb28181://x", priority: 0 },
          { url: "rtsp://b/2", priority: 2 },
          { url: "rtmp://a/1", priority: 1 },
        ] as never,
      }),
    });
    expect(await registrySources(client).resolve("cam-1")).toBe("rtmp://a/1");
  });

  it("gives no source for a dismantled camera, and asks the fallback only for unknown ones", async () => {
    const { client } = fakeRegistry({
      old: camera({
        id: "old",
        dismantledDate: "2026-01-01",
        liveSources: [{ url: "rtmp://a/1" }] as never,
      }),
    });
    const fallback = { resolve: async (c: string) => `rtmp://tpl/${c}` };
    const sources = registrySources(client, { fallback });
    expect(await sources.resolve("old")).toBeUndefined();
    expect(await sources.resolve("other")).toBe("rtmp://tpl/other");
  });

  it("caches answers for the TTL and never guesses when the registry is down", async () => {
    let t = 0;
    const reg = fakeRegistry({
      "cam-1": camera({ liveSources: [{ url: "rtmp://a/1" }] as never }),
      down: "down",
    });
    const sources = registrySources(reg.client, { ttlMs: 1000, now: () => t });
    await sources.resolve("cam-1");
    await sources.resolve("cam-1");
    expect(reg.calls).toEqual(["cam-1"]);
    t = 1001;
    await sources.resolve("cam-1");
    expect(reg.calls).toEqual(["cam-1", "cam-1"]);
    await expect(sources.resolve("down")).rejects.toThrow("cannot reach registry");
  });
});
