import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ConfigOf, loadConfig } from "@vis/config";
import { VisError } from "@vis/errors";
import { type Simulator, startSimulator } from "@vis/simulator";
import {
  childEnv,
  repoRoot,
  type ServerHandle,
  startNats,
  startRedis,
  tsxLoaderUrl,
} from "@vis/test-harness";
import { consoleLine } from "./console-lines.ts";
import { hubConfig, SERVICES } from "./hub-config.ts";
import { hubNatsUsers, provisionLog } from "./nats-users.ts";
import { ensurePortFree } from "./ports.ts";
import { seedSimulatedOperator } from "./seed-operator.ts";
import { Supervised } from "./supervisor.ts";

const print = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The hub on one machine: nats-server (JetStream) and redis-server (AOF) unless URLs are given,
 * the four services, and a simulated operator with cameras. Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  const config: ConfigOf<typeof hubConfig> = loadConfig(hubConfig, { env: process.env });
  const root = repoRoot();
  const dir = resolve(root, config.hub.dir);
  mkdirSync(join(dir, "logs"), { recursive: true });
  const owned: ServerHandle[] = [];
  const services: Supervised[] = [];
  let simulator: Simulator | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    print("\nstopping…");
    await Promise.allSettled(services.map((s) => s.stop()));
    await simulator?.close().catch(() => undefined);
    for (const server of owned.reverse()) await server.stop().catch(() => undefined);
    print("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  try {
    let natsUrl = config.nats.url;
    let natsUsers: { user: string; password: string }[] = [];
    if (natsUrl === "") {
      await ensurePortFree(config.hub.natsPort, "nats-server", "VIS_HUB_NATS_PORT", "VIS_NATS_URL");
      // Our own nats-server gets per-service users; the log streams are provisioned by the admin.
      const { admin, users } = hubNatsUsers(SERVICES);
      const nats = await startNats({
        dataDir: mkdir(dir, "nats"),
        port: config.hub.natsPort,
        users,
      });
      owned.push(nats);
      natsUrl = nats.url;
      natsUsers = users;
      await provisionLog(natsUrl, admin);
      print(
        `nats-server  ${natsUrl} (JetStream, data in ${join(config.hub.dir, "nats")}, pid ${nats.pid})`,
      );
    }
    let redisUrl = config.redis.url;
    if (redisUrl === "") {
      await ensurePortFree(
        config.hub.redisPort,
        "redis-server",
        "VIS_HUB_REDIS_PORT",
        "VIS_REDIS_URL",
      );
      const redis = await startRedis({ dataDir: mkdir(dir, "redis"), port: config.hub.redisPort });
      owned.push(redis);
      redisUrl = redis.url;
      print(
        `redis-server ${redisUrl} (AOF on, data in ${join(config.hub.dir, "redis")}, pid ${redis.pid})`,
      );
    }

    const addresses: Record<string, string> = {};
    SERVICES.forEach((name, i) => {
      addresses[name] = `127.0.0.1:${config.hub.grpcBasePort + i}`;
    });
    await ensurePortFree(config.hub.playPort, "gateway play", "VIS_HUB_PLAY_PORT");
    await ensurePortFree(config.hub.playRtmpPort, "gateway RTMP play", "VIS_HUB_PLAY_RTMP_PORT");
    // What one service needs to find the others.
    const serviceEnv: Partial<Record<string, Record<string, string>>> = {
      gateway: {
        VIS_PLAY_PORT: String(config.hub.playPort),
        VIS_PLAY_RTMP_PORT: String(config.hub.playRtmpPort),
        VIS_AUTH_AUTHORIZER_ADDRESS: String(addresses.authorizer),
        // Live sources and recorded playback come from what operators registered.
        VIS_PULL_REGISTRY_ADDRESS: String(addresses.registry),
        VIS_ARCHIVE_DIR: mkdir(dir, "archive"),
        VIS_ARCHIVE_REGISTRY_ADDRESS: String(addresses.registry),
        // the demo operator is registered just after start: pick its hub-archived camera up soon
        VIS_ARCHIVE_REGISTRY_REFRESH_MS: "5000",
      },
    };
    for (const [i, name] of SERVICES.entries()) {
      const grpcPort = config.hub.grpcBasePort + i;
      const metricsPort = config.hub.metricsBasePort + i;
      await ensurePortFree(grpcPort, name, "VIS_HUB_GRPC_BASE_PORT");
      await ensurePortFree(metricsPort, `${name} metrics`, "VIS_HUB_METRICS_BASE_PORT");
      const s = new Supervised({
        name,
        command: process.execPath,
        args: ["--import", tsxLoaderUrl(), join(root, "services", name, "src", "main.ts")],
        env: childEnv({
          VIS_NATS_URL: natsUrl,
          ...natsCredentials(natsUsers, name),
          VIS_REDIS_URL: redisUrl,
          VIS_GRPC_PORT: String(grpcPort),
          VIS_METRICS_PORT: String(metricsPort),
          VIS_TRACES_EXPORTER: "file",
          VIS_TRACES_FILE: join(dir, "traces.jsonl"),
          ...serviceEnv[name],
        }),
        logFile: join(dir, "logs", `${name}.log`),
        show: consoleLine,
        print,
      });
      services.push(s);
      s.start();
    }
    await Promise.all(services.map((s) => s.ready));

    if (config.hub.cameras > 0) {
      simulator = await startSimulator({
        cameras: config.hub.cameras,
        rtmpPort: config.hub.simRtmpPort,
        httpPort: config.hub.simHttpPort,
        dataDir: mkdir(dir, "simulator"),
      });
      print(
        `simulator    ${simulator.cameras.length} cameras, recorder at ${simulator.httpUrl} (pid ${simulator.pid})`,
      );
      for (const c of simulator.cameras) print(`  ${c.id}  ${c.rtmpUrl}  ${c.httpFlvUrl}`);
      const added = await seedSimulatedOperator(String(addresses.registry), simulator.cameras);
      print(
        `registry     simulated operator "demo-operator", system "demo-nvr" with ${simulator.cameras.length} cameras (${added} records new)`,
      );
    }
    print(summary(addresses, config.hub.dir, config.hub.playPort, config.hub.playRtmpPort));
  } catch (err) {
    const e = err instanceof VisError ? err : VisError.from(err, "unknown");
    const message = e.code === "unknown" && err instanceof Error ? err.message : e.message;
    process.stderr.write(`hub: error ${e.code}: ${message.split("\n")[0]}\n`);
    await stopAll(1);
  }
}

function natsCredentials(
  users: readonly { user: string; password: string }[],
  service: string,
): Record<string, string> {
  const u = users.find((x) => x.user === service);
  return u === undefined ? {} : { VIS_NATS_USER: u.user, VIS_NATS_PASSWORD: u.password };
}

function mkdir(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function summary(
  addresses: Record<string, string>,
  dir: string,
  playPort: number,
  rtmpPort: number,
): string {
  return [
    "",
    "VISLink hub is running. Where to look:",
    ...Object.entries(addresses).map(([name, a]) => `  ${name.padEnd(11)} gRPC ${a}`),
    `  play        http://127.0.0.1:${playPort}/live/<camera>.flv?token=<grant>  (WS-FLV, HLS; RTMP :${rtmpPort})`,
    `  logs        ${dir}/logs/<service>.log   traces ${dir}/traces.jsonl`,
    "  CLI         ./tools/cli/bin/vis.mjs <command>   (or: pnpm vis <command>); for example",
    "              vis status | vis registry camera list | vis health-status | vis incidents",
    "              vis access request --file examples/requests/live-view.json | vis log verify",
    "Press Ctrl-C to stop everything.",
  ].join("\n");
}

await main().catch((err: unknown) => {
  const e = err instanceof VisError ? err : VisError.from(err, "unknown");
  process.stderr.write(`hub: error ${e.code}: ${e.message.split("\n")[0]}\n`);
  process.exit(e.code === "invalid_argument" ? 2 : 1);
});
