import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Bus, ConsumerHandle } from "@vis/bus";
import { CameraEventSchema, SystemEventSchema } from "@vis/proto/vis/registry/v1/events_pb";
import {
  type Camera,
  CameraSchema,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import type { Logger } from "@vis/telemetry";
import type { Redis } from "ioredis";
import type { CameraFacts, FactsSource } from "../policy/facts.ts";
import { toCameraFacts } from "./registry-mapping.ts";

export const REGISTRY_STREAM_NAME = "VIS_REGISTRY";
const P = "vis:authz:reg";
const key = {
  system: (id: string) => `${P}:system:${id}`,
  camera: (id: string) => `${P}:camera:${id}`,
  systemCameras: (id: string) => `${P}:syscams:${id}`,
  /** Present while the projection holds everything the durable consumers acknowledged. */
  epoch: `${P}:epoch`,
};
const DURABLES = ["authorizer-registry-systems", "authorizer-registry-cameras"];

/** Stores `ARGV[2]` under hash KEYS[1] field `v` only when version ARGV[1] is newer. */
const PUT_IF_NEWER = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'v', ARGV[2])
return 1`;

/**
 * The registry's facts, from its events: the authorizer consumes `vis.registry.system.*` and
 * `vis.registry.camera.*` from VIS_REGISTRY into its own Redis projection (newest version wins)
 * and reads camera facts from there. A change that may end sharing (withdrawn, narrowed,
 * dismantled) calls `onChange` with the cameras concerned, so their grants can be revoked.
 */
export class RegistryFacts implements FactsSource {
  private handles: ConsumerHandle[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly minRetentionDays: number,
    private readonly logger: Logger,
  ) {}

  async get(cameraIds: readonly string[]): Promise<ReadonlyMap<string, CameraFacts>> {
    const out = new Map<string, CameraFacts>();
    const cams = await Promise.all(
      cameraIds.map((id) => this.redis.hgetBuffer(key.camera(id), "v")),
    );
    const systemIds = new Set<string>();
    const decoded: Camera[] = [];
    for (const c of cams) {
      if (c === null) continue;
      const camera = fromBinary(CameraSchema, c);
      decoded.push(camera);
      systemIds.add(camera.systemId);
    }
    const systems = new Map<string, VideoSystem>();
    await Promise.all(
      [...systemIds].map(async (id) => {
        const s = await this.redis.hgetBuffer(key.system(id), "v");
        if (s !== null) systems.set(id, fromBinary(VideoSystemSchema, s));
      }),
    );
    for (const camera of decoded) {
      const system = systems.get(camera.systemId);
      if (system !== undefined)
        out.set(camera.id, toCameraFacts(camera, system, this.minRetentionDays));
    }
    return out;
  }

  /** Starts consuming; retries in the background while the registry's stream does not exist yet. */
  async start(
    bus: Bus,
    onChange: (cameraIds: string[], why: string) => Promise<void>,
    stopping: AbortSignal,
  ): Promise<void> {
    const attach = async (): Promise<void> => {
      // A Redis that lost the projection (flushed, new) replays the registry's events from the
      // start: the durable consumers are dropped and re-created with "deliver all".
      if ((await this.redis.exists(key.epoch)) === 0) {
        const jsm = await jetstreamManager(bus.connection);
        for (const d of DURABLES)
          await jsm.consumers.delete(REGISTRY_STREAM_NAME, d).catch(() => false);
        await this.redis.set(key.epoch, new Date().toISOString());
      }
      const systems = await bus.consume(
        {
          stream: REGISTRY_STREAM_NAME,
          filterSubject: "vis.registry.system.*",
          schema: SystemEventSchema,
        },
        {
          durable: DURABLES[0] as string,
          handler: async (e, info) => {
            const s = e.system;
            if (s === undefined) return;
            await this.redis.eval(
              PUT_IF_NEWER,
              1,
              key.system(s.id),
              String(s.version),
              Buffer.from(toBinary(VideoSystemSchema, s)),
            );
            const event = info.subject.split(".").pop() ?? "";
            if (["sharing_withdrawn", "sharing_changed", "dismantled", "updated"].includes(event)) {
              const cams = await this.redis.smembers(key.systemCameras(s.id));
              if (cams.length > 0) await onChange(cams, `system ${s.id} ${event}`);
            }
          },
        },
      );
      const cameras = await bus.consume(
        {
          stream: REGISTRY_STREAM_NAME,
          filterSubject: "vis.registry.camera.*",
          schema: CameraEventSchema,
        },
        {
          durable: DURABLES[1] as string,
          handler: async (e, info) => {
            const c = e.camera;
            if (c === undefined) return;
            await this.redis.eval(
              PUT_IF_NEWER,
              1,
              key.camera(c.id),
              String(c.version),
              Buffer.from(toBinary(CameraSchema, c)),
            );
            await this.redis.sadd(key.systemCameras(c.systemId), c.id);
            const event = info.subject.split(".").pop() ?? "";
            if (event === "dismantled" || event === "updated")
              await onChange([c.id], `camera ${c.id} ${event}`);
          },
        },
      );
      this.handles = [systems, cameras];
    };
    for (let attempt = 0; !stopping.aborted; attempt++) {
      try {
        await attach();
        this.logger.info({ event: "registry_facts_attached" }, "consuming registry facts");
        return;
      } catch (err) {
        if (attempt === 0)
          this.logger.warn(
            { err },
            "registry stream not available yet; retrying in the background",
          );
        if (attempt === 0) {
          void (async () => {
            for (let a = 1; !stopping.aborted; a++) {
              await new Promise((r) => setTimeout(r, Math.min(500 * a, 5000)));
              try {
                await attach();
                this.logger.info({ event: "registry_facts_attached" }, "consuming registry facts");
                return;
              } catch {
                // keep trying until the registry's stream exists
              }
            }
          })();
          return;
        }
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
  }
}
