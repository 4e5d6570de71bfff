import { clone, fromBinary } from "@bufbuild/protobuf";
import type { Bus, ConsumerHandle } from "@vis/bus";
import { ProbeTargetSchema, TargetOrigin } from "@vis/proto/vis/health/v1/status_pb";
import {
  AgencyEventSchema,
  CameraEventSchema,
  EndpointEventSchema,
  SystemEventSchema,
} from "@vis/proto/vis/registry/v1/events_pb";
import type { Logger } from "@vis/telemetry";
import type { Redis } from "ioredis";
import type { Monitor } from "../monitor.ts";
import { cameraTarget, endpointTarget, type SystemFacts } from "./registry-targets.ts";

export const REGISTRY_STREAM = "VIS_REGISTRY";
const SYSTEMS = "vis:health:registry:systems";
const AGENCIES = "vis:health:registry:agencies";

/**
 * Fills the monitor from the registry's events (`vis.registry.<entity>.<event>` on VIS_REGISTRY):
 * cameras and endpoints become targets; systems and agencies give them their agency, district and
 * operator. A durable consumer, so a restart continues where it stopped; until the registry has
 * created its stream, it retries in the background.
 */
export class RegistryAdapter {
  private handle: ConsumerHandle | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly redis: Redis,
    private readonly monitor: Monitor,
    private readonly logger: Logger,
    private readonly retryMs = 5000,
  ) {}

  get attached(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    void this.attach();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.handle?.stop();
  }

  private async attach(): Promise<void> {
    if (this.stopped) return;
    try {
      this.handle = await this.bus.consume(
        { stream: REGISTRY_STREAM, filterSubject: "vis.registry.>" },
        { durable: "health-registry", handler: (data, info) => this.apply(info.subject, data) },
      );
      this.logger.info(
        { event: "registry_attached", stream: REGISTRY_STREAM },
        "following registry events",
      );
    } catch (err) {
      this.logger.debug(
        { err, stream: REGISTRY_STREAM },
        "registry stream not there yet; retrying",
      );
      this.timer = setTimeout(() => void this.attach(), this.retryMs);
    }
  }

  /** Applies one registry event (idempotent: the projection holds the latest state). */
  async apply(subject: string, data: Uint8Array): Promise<void> {
    const entity = subject.split(".")[2];
    if (entity === "agency") {
      const { agency } = fromBinary(AgencyEventSchema, data);
      if (agency) await this.redis.hset(AGENCIES, agency.id, agency.district);
    } else if (entity === "system") {
      const { system } = fromBinary(SystemEventSchema, data);
      if (system === undefined) return;
      const district =
        system.district || ((await this.redis.hget(AGENCIES, system.ownerAgencyId)) ?? "");
      const facts: SystemFacts = { agencyId: system.ownerAgencyId, district, name: system.name };
      await this.redis.hset(SYSTEMS, system.id, JSON.stringify(facts));
      const affected = this.monitor
        .targets()
        .filter((t) => t.origin === TargetOrigin.REGISTRY && t.systemId === system.id)
        .map((t) =>
          Object.assign(clone(ProbeTargetSchema, t), {
            agencyId: facts.agencyId,
            district,
            operator: facts.agencyId,
          }),
        );
      if (affected.length > 0) await this.monitor.upsert(affected);
    } else if (entity === "camera") {
      const { camera } = fromBinary(CameraEventSchema, data);
      if (camera === undefined) return;
      const target = cameraTarget(camera, await this.system(camera.systemId));
      if (target) await this.monitor.upsert([target]);
      else await this.monitor.remove([camera.id]);
    } else if (entity === "endpoint") {
      const { endpoint } = fromBinary(EndpointEventSchema, data);
      if (endpoint)
        await this.monitor.upsert([endpointTarget(endpoint, await this.system(endpoint.systemId))]);
    }
  }

  private async system(id: string): Promise<SystemFacts | undefined> {
    const json = await this.redis.hget(SYSTEMS, id);
    return json ? (JSON.parse(json) as SystemFacts) : undefined;
  }
}
