import { VisError } from "@vis/errors";
import type { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import type { RpcClient } from "@vis/rpc";
import type { SourceResolver } from "./sources.ts";

/** Schemes the gateway's ffmpeg pull can read (`gb28181://` sources are for police platforms). */
const PULLABLE = /^(rtmp|rtmps|rtsp|rtsps|http|https):\/\//;

export interface RegistrySourcesOptions {
  /** How long a camera's registered source is reused before asking again (default 30 s). */
  readonly ttlMs?: number;
  /** Asked when the registry does not know the camera (e.g. a template for one operator). */
  readonly fallback?: SourceResolver;
  readonly now?: () => number;
}

/**
 * Live sources from the registry (`GetCamera`): the camera's pullable live source with the lowest
 * priority number. A dismantled camera has no source (Art. 19: it left the shareable pool). An
 * unreachable registry is an error, never a guess; a known answer is cached for `ttlMs`.
 */
export function registrySources(
  client: Pick<RpcClient<typeof Registry>, "getCamera">,
  options: RegistrySourcesOptions = {},
): SourceResolver {
  const ttlMs = options.ttlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { url: string | undefined; until: number }>();
  return {
    async resolve(camera) {
      const hit = cache.get(camera);
      if (hit && hit.until > now()) return hit.url;
      let url: string | undefined;
      try {
        const { camera: c } = await client.getCamera({ id: camera });
        url =
          c === undefined || c.dismantledDate !== ""
            ? undefined
            : [...c.liveSources]
                .filter((s) => PULLABLE.test(s.url))
                .sort((a, b) => a.priority - b.priority)[0]?.url;
      } catch (err) {
        if (!(err instanceof VisError && err.code === "not_found")) throw err;
        url = await options.fallback?.resolve(camera);
      }
      cache.set(camera, { url, until: now() + ttlMs });
      if (cache.size > 100_000) cache.delete(cache.keys().next().value as string);
      return url;
    },
  };
}
