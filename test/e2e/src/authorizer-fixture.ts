import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import { AccessLog } from "@vis/proto/vis/access/v1/audit_pb";
import {
  Action,
  AgencyKind,
  AgencyLevel,
  Basis,
  DocumentKind,
  Mode,
  RequestAccessRequestSchema,
} from "@vis/proto/vis/access/v1/request_pb";
import { Lifecycle } from "@vis/proto/vis/registry/v1/model_pb";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";
import {
  makeTempDir,
  type NatsServer,
  type NatsUser,
  type RedisServer,
  type ServiceProcess,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";
import { Redis } from "ioredis";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";
import { cameraInit, systemInit } from "./registry-fixture.ts";

/** nats-server, redis-server, the registry and the authorizer as processes, with clients. */
export interface AuthzHub {
  readonly nats: NatsServer;
  readonly redis: RedisServer;
  readonly dir: string;
  registry: ServiceProcess;
  authorizer: ServiceProcess;
  access: RpcClient<typeof Access>;
  log: RpcClient<typeof AccessLog>;
  reg: RpcClient<typeof Registry>;
  readonly env: Record<string, string>;
  /** Starts the authorizer process again and reconnects the clients. */
  restartAuthorizer(): Promise<void>;
  stop(): Promise<void>;
}

export interface AuthzHubOptions {
  readonly users?: readonly NatsUser[];
  /** Extra environment per service (e.g. NATS credentials). */
  readonly registryEnv?: Record<string, string>;
  readonly authorizerEnv?: Record<string, string>;
  /** Runs after the servers start and before the services (e.g. provisioning). */
  readonly beforeServices?: (nats: NatsServer) => Promise<void>;
}

export async function startAuthzHub(options: AuthzHubOptions = {}): Promise<AuthzHub> {
  const [nats, redis] = await Promise.all([
    startNats(options.users === undefined ? {} : { users: options.users }),
    startRedis(),
  ]);
  await options.beforeServices?.(nats);
  const dir = makeTempDir("authz-e2e");
  const env = {
    ...serviceEnv(nats, redis, join(dir, "authorizer.spans.jsonl")),
    VIS_LOG_LEVEL: "info",
    VIS_TRACES_EXPORTER: "none",
    VIS_AUTHORIZER_KEY_FILE: join(dir, "keys.json"),
    VIS_AUTHORIZER_CHECKPOINT_EVERY_MS: "200",
    VIS_AUTHORIZER_EXPIRY_SWEEP_MS: "200",
    ...options.authorizerEnv,
  };
  const startAuthorizer = () =>
    startServiceProcess({ name: "authorizer", entry: serviceEntry("authorizer"), env });
  const [registry, authorizer] = await Promise.all([
    startServiceProcess({
      name: "registry",
      entry: serviceEntry("registry"),
      env: {
        ...serviceEnv(nats, redis, join(dir, "registry.spans.jsonl")),
        VIS_LOG_LEVEL: "info",
        VIS_TRACES_EXPORTER: "none",
        ...options.registryEnv,
      },
    }),
    startAuthorizer(),
  ]);
  const clients = (p: ServiceProcess) => ({
    access: createRpcClient(Access, { address: String(p.ready.grpc), deadlineMs: 30_000 }),
    log: createRpcClient(AccessLog, { address: String(p.ready.grpc), deadlineMs: 30_000 }),
  });
  const hub: AuthzHub = {
    nats,
    redis,
    dir,
    registry,
    authorizer,
    ...clients(authorizer),
    reg: createRpcClient(Registry, { address: String(registry.ready.grpc), deadlineMs: 30_000 }),
    env,
    async restartAuthorizer() {
      hub.access.close();
      hub.log.close();
      hub.authorizer = await startAuthorizer();
      Object.assign(hub, clients(hub.authorizer));
    },
    async stop() {
      hub.access.close();
      hub.log.close();
      hub.reg.close();
      await Promise.allSettled([hub.authorizer.stop(), hub.registry.stop()]);
      await Promise.allSettled([nats.stop(), redis.stop()]);
    },
  };
  return hub;
}

export const DISTRICT = "wujin";

/**
 * Through the registry's API: district police, a private operator with an in-service system shared
 * live and recorded (cameras cam-a, cam-b), and one shared live only (cam-live). Waits until the
 * authorizer has consumed the facts.
 */
export async function seedRegistry(
  hub: AuthzHub,
  options: {
    /** Live source URL per camera (e.g. a simulator's RTMP stream), for tests that play. */
    readonly liveSources?: Readonly<Record<string, string>>;
    /** More police agencies of the district (id, name). */
    readonly police?: readonly (readonly [string, string])[];
  } = {},
): Promise<{ operator: string; systemId: string }> {
  const reg = hub.reg;
  const operator = "wujin-mall";
  for (const [id, name] of [["wujin-police", "Wujin police"], ...(options.police ?? [])]) {
    await reg.createAgency({ agency: { id, kind: 2, name, district: DISTRICT } });
  }
  await reg.createAgency({
    agency: { id: operator, kind: 8, name: "Wujin mall", district: DISTRICT },
  });
  const systems = [
    { id: "mall", cams: ["cam-a", "cam-b"], live: true, recorded: true },
    { id: "shop", cams: ["cam-live"], live: true, recorded: false },
  ];
  for (const s of systems) {
    const created = await reg.createSystem({
      system: systemInit({
        id: s.id,
        ownerAgencyId: operator,
        district: DISTRICT,
        status: Lifecycle.IN_SERVICE,
        acceptedDate: "2024-06-01",
        inServiceDate: "2024-06-02",
        builtDate: "2024-05-01",
        retentionDays: 30,
      }),
    });
    for (const cam of s.cams) {
      const url = options.liveSources?.[cam];
      await reg.createCamera({
        camera: { ...cameraInit(s.id, cam), id: cam, ...(url ? { liveSources: [{ url }] } : {}) },
      });
    }
    await reg.setSharing({
      systemId: s.id,
      optedIn: true,
      limits: { allCameras: true, live: s.live, recorded: s.recorded },
      expectedVersion: created.system?.version ?? 1n,
    });
  }
  const redis = new Redis(hub.redis.url, { lazyConnect: true });
  await redis.connect();
  try {
    await eventually(
      "the authorizer to hold the registry's facts",
      async () => {
        const [a, b, l] = await Promise.all(
          ["cam-a", "cam-b", "cam-live"].map((c) => redis.exists(`vis:authz:reg:camera:${c}`)),
        );
        const sys = await redis.hget("vis:authz:reg:system:mall", "version");
        return a === 1 && b === 1 && l === 1 && Number(sys) >= 2;
      },
      30_000,
    );
  } finally {
    redis.disconnect();
  }
  return { operator, systemId: "mall" };
}

const HOUR = 3_600_000;
export const OFFICERS = [
  { name: "Wang Wei", workId: "010001" },
  { name: "Li Na", workId: "010002" },
];

/** A lawful Art. 24(a) request for recorded footage of cam-a, with everything in order. */
export function lawfulRequest(over: Record<string, unknown> = {}) {
  const now = Date.now();
  return create(RequestAccessRequestSchema, {
    requestId: `req-${randomUUID()}`,
    requester: {
      agencyId: "wujin-police",
      agencyName: "Wujin police",
      kind: AgencyKind.POLICE,
      level: AgencyLevel.COUNTY,
      district: DISTRICT,
    },
    officers: OFFICERS,
    basis: Basis.LAW_ENFORCEMENT,
    document: {
      kind: DocumentKind.CERTIFYING,
      number: "WJ-2026-001",
      issuer: "Wujin police",
      issuerKind: AgencyKind.POLICE,
      issuerLevel: AgencyLevel.COUNTY,
      issuedAt: timestampFromMs(now - 24 * HOUR),
      sha256: "ab".repeat(32),
    },
    purpose: "theft investigation",
    caseRef: "WJ-CASE-7",
    cameraIds: ["cam-a"],
    mode: Mode.RECORDED,
    window: { from: timestampFromMs(now - 3 * HOUR), to: timestampFromMs(now - 2 * HOUR) },
    action: Action.VIEW,
    durationSeconds: 3600,
    ...over,
  } as MessageInitShape<typeof RequestAccessRequestSchema>);
}
