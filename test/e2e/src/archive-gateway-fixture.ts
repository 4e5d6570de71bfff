import type { Simulator } from "@vis/simulator";
import {
  makeTempDir,
  type NatsServer,
  type RedisServer,
  type ServiceProcess,
  startServiceProcess,
} from "@vis/test-harness";
import type { AccessStandIn } from "./access-stand-in.ts";
import { serviceEntry, serviceEnv } from "./hub-fixture.ts";

/**
 * A gateway process recording the simulator's `cam-001` into a fresh folder, with grants from the
 * authorizer stand-in; `env` adds or overrides settings. Resolves once the archive listens.
 */
export async function startArchiveGateway(o: {
  readonly nats: NatsServer;
  readonly redis: RedisServer;
  readonly sim: Simulator;
  readonly access: AccessStandIn;
  readonly name: string;
  readonly env?: Record<string, string>;
}): Promise<{ gateway: ServiceProcess; base: string }> {
  const dir = makeTempDir(o.name);
  const gateway = await startServiceProcess({
    name: "gateway",
    entry: serviceEntry("gateway"),
    env: {
      ...serviceEnv(o.nats, o.redis, `${dir}/gateway.spans.jsonl`),
      VIS_PLAY_PORT: "0",
      VIS_PULL_SOURCE_TEMPLATE: `${o.sim.rtmpUrl}/{camera}`,
      VIS_AUTH_AUTHORIZER_ADDRESS: o.access.address,
      VIS_EGRESS_REFUSAL_DELAY_MS: "50",
      VIS_ARCHIVE_DIR: `${dir}/archive`,
      VIS_ARCHIVE_CAMERAS: "cam-001",
      VIS_ARCHIVE_SEGMENT_MS: "2000",
      VIS_ARCHIVE_MIN_FREE_MB: "1",
      ...o.env,
    },
  });
  const listening = await gateway
    .waitForLog((l) => l.event === "archive_listening", 15_000)
    .catch((err) => {
      throw new Error(`${err}\n${JSON.stringify(gateway.logs.slice(-8))}\n${gateway.stderr}`);
    });
  return { gateway, base: String(listening.url) };
}
