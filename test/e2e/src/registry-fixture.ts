import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { ActorSchema } from "@vis/proto/vis/common/v1/event_pb";
import {
  AgencyKind,
  Funding,
  Lifecycle,
  LocationType,
  type VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
import {
  makeTempDir,
  type NatsServer,
  type RedisServer,
  type ServiceProcess,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";
import { serviceEntry, serviceEnv } from "./hub-fixture.ts";

/** Real nats-server and redis-server and the registry as a process, with a client. */
export interface RegistryHub {
  readonly nats: NatsServer;
  readonly redis: RedisServer;
  proc: ServiceProcess;
  client: RpcClient<typeof Registry>;
  /** Starts the registry process again (after a stop or kill) and reconnects the client. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistryHub(
  extraEnv: Record<string, string> = {},
): Promise<RegistryHub> {
  const [nats, redis] = await Promise.all([startNats(), startRedis()]);
  const dir = makeTempDir("registry-e2e");
  const start = () =>
    startServiceProcess({
      name: "registry",
      entry: serviceEntry("registry"),
      env: {
        ...serviceEnv(nats, redis, join(dir, "registry.spans.jsonl")),
        VIS_LOG_LEVEL: "info",
        ...extraEnv,
      },
    });
  const proc = await start();
  const hub: RegistryHub = {
    nats,
    redis,
    proc,
    client: createRpcClient(Registry, { address: String(proc.ready.grpc), deadlineMs: 30_000 }),
    async restart() {
      hub.client.close();
      hub.proc = await start();
      hub.client = createRpcClient(Registry, {
        address: String(hub.proc.ready.grpc),
        deadlineMs: 30_000,
      });
    },
    async stop() {
      hub.client.close();
      await hub.proc.stop().catch(() => undefined);
      await Promise.allSettled([nats.stop(), redis.stop()]);
    },
  };
  return hub;
}

export const actor = create(ActorSchema, { service: "e2e", personIds: ["tester"] });

/** Runs `fn` and returns the VisError it throws (fails the test when it does not throw one). */
export async function refusal(fn: () => Promise<unknown>): Promise<VisError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof VisError) return err;
    throw err;
  }
  throw new Error("expected a refusal, the call succeeded");
}

/** Agencies every test needs: a district police, a station under it, a private operator, a government department. */
export async function seedAgencies(client: RpcClient<typeof Registry>, district: string) {
  const police = await client.createAgency({
    agency: {
      id: `${district}-police`,
      kind: AgencyKind.POLICE_DISTRICT,
      name: `${district} police`,
      district,
    },
  });
  const station = await client.createAgency({
    agency: {
      id: `${district}-station`,
      kind: AgencyKind.POLICE_STATION,
      name: `${district} station`,
      district,
      parentAgencyId: police.agency?.id ?? "",
    },
  });
  const operator = await client.createAgency({
    agency: {
      id: `${district}-mall`,
      kind: AgencyKind.PRIVATE_OPERATOR,
      name: `${district} mall`,
      district,
    },
  });
  const dept = await client.createAgency({
    agency: {
      id: `${district}-transport`,
      kind: AgencyKind.ADMINISTRATIVE,
      name: `${district} transport`,
      district,
    },
  });
  return {
    police: police.agency,
    station: station.agency,
    operator: operator.agency,
    dept: dept.agency,
  };
}

/** A copy of a message read back, with some fields changed (for updates). */
export function edit<T extends object>(m: T | undefined, patch: Partial<T>): T {
  return { ...(m as T), ...patch };
}

type SystemInit = MessageInitShape<typeof VideoSystemSchema>;
export function systemInit(
  over: Omit<SystemInit, "$typeName"> & { ownerAgencyId: string },
): SystemInit {
  return {
    name: "system",
    funding: Funding.PRIVATE,
    siteCategory: 11,
    status: Lifecycle.PLANNED,
    retentionDays: 30,
    ...over,
  } as SystemInit;
}

export function cameraInit(systemId: string, name: string, over: Record<string, unknown> = {}) {
  return {
    systemId,
    name,
    locationType: LocationType.ENTRANCE,
    publicPlace: true,
    signage: true,
    liveSources: [{ url: `rtmp://127.0.0.1:1935/live/${name.replace(/\W/g, "")}` }],
    playback: {
      source: { case: "urlTemplate" as const, value: "http://127.0.0.1:8080/pb?s={start}&e={end}" },
    },
    ...over,
  };
}
