import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  CheckPlayRequestSchema,
  CheckPlayResponseSchema,
  RequestAccessResponseSchema,
} from "@vis/proto/vis/access/v1/access_pb";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import {
  Action,
  AgencyKind,
  AgencyLevel,
  Basis,
  DocumentKind,
  Mode,
  RequestAccessRequestSchema,
} from "@vis/proto/vis/access/v1/request_pb";
import { Lifecycle, LocationType } from "@vis/proto/vis/registry/v1/model_pb";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import {
  makeTempDir,
  repoRoot,
  startNats,
  startRedis,
  startServiceProcess,
} from "@vis/test-harness";
import { Redis } from "ioredis";
import { type RunStats, runLoad } from "./load.ts";

// pnpm bench:authorizer — RequestAccess and CheckPlay decisions/s and p50/p99 against a real
// authorizer process (NATS JetStream log, Redis, registry facts), each next to a bare grpc-js echo
// server answering the same bytes with the same client, in the same run. Prints JSON and a table.
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const HOUR = 3_600_000;

const entry = (...p: string[]) => join(repoRoot(), ...p);
const [nats, redis] = await Promise.all([startNats(), startRedis()]);
const dir = makeTempDir("bench-authz");
const env = (name: string) => ({
  VIS_NATS_URL: nats.url,
  VIS_REDIS_URL: redis.url,
  VIS_GRPC_PORT: "0",
  VIS_METRICS_PORT: "0",
  VIS_TRACES_EXPORTER: "none",
  VIS_LOG_LEVEL: "info",
  VIS_AUTHORIZER_KEY_FILE: join(dir, `${name}-keys.json`),
});
const [registry, authorizer, echo] = await Promise.all([
  startServiceProcess({
    name: "registry",
    entry: entry("services", "registry", "src", "main.ts"),
    env: env("registry"),
  }),
  startServiceProcess({
    name: "authorizer",
    entry: entry("services", "authorizer", "src", "main.ts"),
    env: env("authorizer"),
  }),
  startServiceProcess({
    name: "echo",
    entry: entry("test", "bench", "src", "authorizer", "echo-server.ts"),
    env: {},
  }),
]);
try {
  // Facts through the registry's own API: an in-service private system, opted in, two cameras.
  const reg = createRpcClient(Registry, {
    address: String(registry.ready.grpc),
    deadlineMs: 30_000,
  });
  await reg.createAgency({ agency: { id: "op", kind: 8, name: "operator", district: "wujin" } });
  const sys = await reg.createSystem({
    system: {
      id: "mall",
      name: "mall",
      ownerAgencyId: "op",
      district: "wujin",
      funding: 2,
      siteCategory: 11,
      status: Lifecycle.IN_SERVICE,
      builtDate: "2024-05-01",
      acceptedDate: "2024-06-01",
      inServiceDate: "2024-06-02",
      retentionDays: 30,
    },
  });
  for (const id of ["cam-a", "cam-b"]) {
    await reg.createCamera({
      camera: {
        id,
        systemId: "mall",
        name: id,
        locationType: LocationType.ENTRANCE,
        publicPlace: true,
        signage: true,
        liveSources: [{ url: `rtmp://127.0.0.1:1935/live/${id.replace("-", "")}` }],
      },
    });
  }
  await reg.setSharing({
    systemId: "mall",
    optedIn: true,
    limits: { allCameras: true, live: true, recorded: true },
    expectedVersion: sys.system?.version ?? 1n,
  });
  reg.close();
  const r = new Redis(redis.url);
  for (let i = 0; i < 300; i++) {
    const v = Number(await r.hget("vis:authz:reg:system:mall", "version"));
    if (v >= 2 && (await r.exists("vis:authz:reg:camera:cam-a")) === 1) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  r.disconnect();

  const now = Date.now();
  const requestBytes = (i: number) =>
    Buffer.from(
      toBinary(
        RequestAccessRequestSchema,
        create(RequestAccessRequestSchema, {
          requestId: `bench-${i}-${randomUUID()}`,
          requester: {
            agencyId: "wujin-police",
            kind: AgencyKind.POLICE,
            level: AgencyLevel.COUNTY,
            district: "wujin",
          },
          officers: [
            { name: "Wang Wei", workId: "010001" },
            { name: "Li Na", workId: "010002" },
          ],
          basis: Basis.LAW_ENFORCEMENT,
          document: {
            kind: DocumentKind.CERTIFYING,
            number: "WJ-1",
            issuer: "Wujin police",
            issuerKind: AgencyKind.POLICE,
            issuerLevel: AgencyLevel.COUNTY,
            issuedAt: timestampFromMs(now - 24 * HOUR),
            sha256: "ab".repeat(32),
          },
          purpose: "benchmark",
          caseRef: "B-1",
          cameraIds: ["cam-a"],
          mode: Mode.RECORDED,
          window: { from: timestampFromMs(now - 3 * HOUR), to: timestampFromMs(now - 2 * HOUR) },
          action: Action.VIEW,
          durationSeconds: 3600,
        }),
      ),
    );
  const granted = (res: Buffer) =>
    fromBinary(RequestAccessResponseSchema, res).decision?.outcome === Outcome.GRANTED;
  const authz = String(authorizer.ready.grpc);
  const echoAddr = String(echo.ready.grpc);
  const results: RunStats[] = [];
  const common = { concurrency: CONCURRENCY };
  results.push(
    await runLoad({
      ...common,
      name: "RequestAccess",
      address: authz,
      path: "/vis.access.v1.Access/RequestAccess",
      total: REQUESTS,
      warmup: 200,
      payload: requestBytes,
      check: granted,
    }),
  );
  results.push(
    await runLoad({
      ...common,
      name: "echo (RequestAccess bytes)",
      address: echoAddr,
      path: "/bench.Echo/Echo",
      total: REQUESTS,
      warmup: 200,
      payload: requestBytes,
    }),
  );

  // One granted request; CheckPlay with its token, as a gateway would on every play.
  const client = createRpcClient((await import("@vis/proto/vis/access/v1/access_pb")).Access, {
    address: authz,
    deadlineMs: 30_000,
  });
  const decision = (
    await client.requestAccess(fromBinary(RequestAccessRequestSchema, requestBytes(-1)))
  ).decision;
  client.close();
  const checkBytes = Buffer.from(
    toBinary(
      CheckPlayRequestSchema,
      create(CheckPlayRequestSchema, {
        token: decision?.grant?.token ?? "",
        cameraId: "cam-a",
        mode: Mode.RECORDED,
        action: Action.VIEW,
      }),
    ),
  );
  const allowed = (res: Buffer) => fromBinary(CheckPlayResponseSchema, res).allowed;
  results.push(
    await runLoad({
      ...common,
      name: "CheckPlay",
      address: authz,
      path: "/vis.access.v1.Access/CheckPlay",
      total: CHECKS,
      warmup: 500,
      payload: () => checkBytes,
      check: allowed,
    }),
  );
  results.push(
    await runLoad({
      ...common,
      name: "echo (CheckPlay bytes)",
      address: echoAddr,
      path: "/bench.Echo/Echo",
      total: CHECKS,
      warmup: 500,
      payload: () => checkBytes,
    }),
  );

  const [ra, raEcho, cp, cpEcho] = results as [RunStats, RunStats, RunStats, RunStats];
  const ratio = (a: RunStats, b: RunStats) => ({
    throughput: Number((a.perSecond / b.perSecond).toFixed(3)),
    p50: Number((a.p50Ms / b.p50Ms).toFixed(2)),
    p99: Number((a.p99Ms / b.p99Ms).toFixed(2)),
  });
  const report = {
    bench: "authorizer",
    machine: { node: process.version, cpus: (await import("node:os")).cpus().length },
    concurrency: CONCURRENCY,
    results,
    ratios: { RequestAccess_vs_echo: ratio(ra, raEcho), CheckPlay_vs_echo: ratio(cp, cpEcho) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n\n`);
  const rows = results.map((x) => [
    x.name,
    String(x.requests),
    String(x.perSecond),
    x.p50Ms.toFixed(2),
    x.p99Ms.toFixed(2),
    String(x.errors),
  ]);
  const header = ["run", "requests", "per s", "p50 ms", "p99 ms", "errors"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`${[line(header), ...rows.map(line)].join("\n")}\n`);
  process.stdout.write(
    `RequestAccess / echo: throughput ×${report.ratios.RequestAccess_vs_echo.throughput}, p50 ×${report.ratios.RequestAccess_vs_echo.p50}, p99 ×${report.ratios.RequestAccess_vs_echo.p99}\n` +
      `CheckPlay / echo:     throughput ×${report.ratios.CheckPlay_vs_echo.throughput}, p50 ×${report.ratios.CheckPlay_vs_echo.p50}, p99 ×${report.ratios.CheckPlay_vs_echo.p99}\n`,
  );
} finally {
  await Promise.allSettled([authorizer.stop(), registry.stop(), echo.stop()]);
  await Promise.allSettled([nats.stop(), redis.stop()]);
}
