import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { AgencyKind } from "@vis/proto/vis/registry/v1/model_pb";
import { ImportEntity, ImportFormat, Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import { repoRoot, startNats, startRedis, startServiceProcess } from "@vis/test-harness";
import { Redis } from "ioredis";
import { rowsFor, SEARCH_KINDS, searchCase } from "./dataset.ts";

// pnpm bench:registry [--cameras 100000] [--batch 1000] [--queries 300] [--baseline-queries 10]
// Bulk import of N cameras through the registry (gRPC Import: validation, the durable JetStream
// record, events, the Redis projection; answered once searchable) and search latency at that size,
// each beside a named baseline in the same run on the same redis-server:
//   write baseline  the same rows as Redis hashes + one set per system, by a bare ioredis pipeline
//                   (no validation, no durability beyond Redis AOF, no events, no text index)
//   search baseline SCAN + HGETALL over those hashes, filtering in the client (no indexes)
// Prints one JSON object, then a table.

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const CAMERAS = arg("cameras", 100_000);
const BATCH = arg("batch", 1000);
const QUERIES = arg("queries", 300);
const BASE_QUERIES = arg("baseline-queries", 10);
const SYSTEMS = Math.max(10, Math.round(CAMERAS / 1000));
const DISTRICTS = ["wujin", "xinbei", "tianning", "zhonglou", "jintan", "liyang"];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  const [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
  const proc = await startServiceProcess({
    name: "registry",
    entry: join(repoRoot(), "services", "registry", "src", "main.ts"),
    env: {
      VIS_NATS_URL: nats.url,
      VIS_REDIS_URL: redisServer.url,
      VIS_GRPC_PORT: "0",
      VIS_METRICS_PORT: "0",
      VIS_LOG_LEVEL: "info",
      VIS_TRACES_EXPORTER: "none",
      VIS_REDIS_COMMAND_TIMEOUT_MS: "30000",
    },
  });
  const client = createRpcClient(Registry, {
    address: String(proc.ready.grpc),
    deadlineMs: 300_000,
  });
  const redis = new Redis(redisServer.url);
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  try {
    // Agencies and systems (small; not timed).
    for (const d of DISTRICTS) {
      await client.createAgency({
        agency: {
          id: `op-${d}`,
          kind: AgencyKind.PRIVATE_OPERATOR,
          name: `${d} operators`,
          district: d,
        },
      });
      await client.createAgency({
        agency: {
          id: `gov-${d}`,
          kind: AgencyKind.ADMINISTRATIVE,
          name: `${d} government`,
          district: d,
        },
      });
    }
    const systems = Array.from({ length: SYSTEMS }, (_, i) => {
      const d = DISTRICTS[i % DISTRICTS.length] ?? "wujin";
      const gov = i % 3 === 0;
      return {
        id: `sys-${String(i).padStart(4, "0")}`,
        name: `${d} system ${i}`,
        owner_agency_id: gov ? `gov-${d}` : `op-${d}`,
        funding: gov ? "government" : "private",
        site_category: (i % 13) + 1,
        status: i % 4 === 0 ? "built" : "in_service",
        built_date: "2024-01-01",
        accepted_date: i % 4 === 0 ? "" : "2024-02-01",
        in_service_date: i % 4 === 0 ? "" : "2024-03-01",
        retention_days: 30 + (i % 60),
        opted_in: !gov,
        share_live: true,
      };
    });
    const sys = await client.import({
      entity: ImportEntity.SYSTEM,
      format: ImportFormat.JSON,
      data: new TextEncoder().encode(JSON.stringify(systems)),
    });
    if (sys.written !== SYSTEMS)
      throw new Error(`systems: ${JSON.stringify(sys.errors.slice(0, 3))}`);

    // 1. Registry bulk import, timed from the first request to the last answer (which comes once
    //    the batch is durable and projected, i.e. searchable).
    const rows = rowsFor(CAMERAS, SYSTEMS);
    const header =
      "system_id,name,address,location_type,public_place,signage,live_urls,playback_url_template,lat,lon";
    const t0 = performance.now();
    const batchMs: number[] = [];
    for (let i = 0; i < rows.length; i += BATCH) {
      const b0 = performance.now();
      const csv = [header, ...rows.slice(i, i + BATCH).map((r) => r.csv)].join("\n");
      const r = await client.import({
        entity: ImportEntity.CAMERA,
        format: ImportFormat.CSV,
        data: new TextEncoder().encode(csv),
      });
      if (r.written !== Math.min(BATCH, rows.length - i))
        throw new Error(`batch ${i}: ${JSON.stringify(r.errors.slice(0, 3))}`);
      batchMs.push(performance.now() - b0);
    }
    const importS = (performance.now() - t0) / 1000;
    // Events are published by the relay behind the writes; wait until every change is announced
    // so the search below runs at steady state (and report how far the events trailed).
    const expectedEvents = CAMERAS + SYSTEMS + 2 * DISTRICTS.length;
    const e0 = performance.now();
    for (let i = 0; i < 6000; i++) {
      const info = await jsm.streams.info("VIS_REGISTRY");
      if (info.state.messages >= expectedEvents) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const eventsS = (performance.now() - t0) / 1000;
    const eventsTrailS = (performance.now() - e0) / 1000;
    const events = (await jsm.streams.info("VIS_REGISTRY")).state.messages;
    const total = (await client.listCameras({ filter: {}, pageSize: 1 })).total;
    if (Number(total) !== CAMERAS) throw new Error(`listed ${total} cameras, imported ${CAMERAS}`);
    const usedMb = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0) / 1e6;

    // 2. Baseline write: the same rows, bare pipeline (hash per camera + set per system).
    const b0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const p = redis.pipeline();
      for (const r of rows.slice(i, i + BATCH)) {
        p.hset(`bench:cam:${r.id}`, r.fields);
        p.sadd(`bench:sys:${r.fields.system_id}`, r.id);
      }
      await p.exec();
    }
    const baseWriteS = (performance.now() - b0) / 1000;

    // 3. Search through the registry (gRPC ListCameras, page of 50, indexes), mixed filters.
    const lat: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const seen = new Set<string>();
    const perCase = new Map<string, number[]>();
    let pagesFollowed = 0;
    for (let q = 0; q < QUERIES; q++) {
      const c = searchCase(q, DISTRICTS, SYSTEMS);
      const key = JSON.stringify(c.filter);
      const s0 = performance.now();
      const r = await client.listCameras({ filter: c.filter, pageSize: 50 });
      const ms = performance.now() - s0;
      if (q < SEARCH_KINDS && r.cameras.length === 0)
        throw new Error(`search "${c.name}" found nothing`);
      lat.push(ms);
      (seen.has(key) ? warm : cold).push(ms);
      seen.add(key);
      perCase.set(c.name, [...(perCase.get(c.name) ?? []), ms]);
      if (r.nextCursor !== "" && q % 3 === 0) {
        // and the next page, as a user paging through would
        const p0 = performance.now();
        await client.listCameras({ filter: c.filter, pageSize: 50, cursor: r.nextCursor });
        lat.push(performance.now() - p0);
        warm.push(performance.now() - p0);
        pagesFollowed++;
      }
    }

    // 4. Baseline search: SCAN + HGETALL and filter in the client (what "no index" costs).
    const baseLat: number[] = [];
    for (let q = 0; q < BASE_QUERIES; q++) {
      const c = searchCase(q, DISTRICTS, SYSTEMS);
      const s0 = performance.now();
      const hits: string[] = [];
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", "bench:cam:*", "COUNT", 1000);
        cursor = next;
        const p = redis.pipeline();
        for (const k of keys) p.hgetall(k);
        const res = (await p.exec()) ?? [];
        res.forEach(([, h], i) => {
          if (c.match(h as Record<string, string>)) hits.push(keys[i] ?? "");
        });
      } while (cursor !== "0");
      hits.sort();
      hits.length = Math.min(hits.length, 50);
      baseLat.push(performance.now() - s0);
    }

    // 5. Rebuild the whole projection from the durable record.
    const rebuild = await client.rebuildProjection({});

    const result = {
      cameras: CAMERAS,
      systems: SYSTEMS,
      batch: BATCH,
      import: {
        seconds: round(importS),
        camerasPerSecond: Math.round(CAMERAS / importS),
        batchMsP50: round(pct(batchMs, 50)),
        batchMsP99: round(pct(batchMs, 99)),
        events,
        allEventsPublishedSeconds: round(eventsS),
        eventsTrailedImportSeconds: round(eventsTrailS),
      },
      baselineWrite: {
        name: "bare ioredis pipeline (HSET + SADD)",
        seconds: round(baseWriteS),
        camerasPerSecond: Math.round(CAMERAS / baseWriteS),
      },
      writeRatio: round(importS / baseWriteS, 1),
      search: {
        queries: lat.length,
        nextPages: pagesFollowed,
        p50Ms: round(pct(lat, 50)),
        p99Ms: round(pct(lat, 99)),
        cold: { queries: cold.length, p50Ms: round(pct(cold, 50)), p99Ms: round(pct(cold, 99)) },
        repeated: {
          queries: warm.length,
          p50Ms: round(pct(warm, 50)),
          p99Ms: round(pct(warm, 99)),
        },
        perCase: Object.fromEntries(
          [...perCase].map(([k, v]) => [k, { p50Ms: round(pct(v, 50)), p99Ms: round(pct(v, 99)) }]),
        ),
      },
      baselineSearch: {
        name: "SCAN + HGETALL, client-side filter",
        queries: BASE_QUERIES,
        p50Ms: round(pct(baseLat, 50)),
        p99Ms: round(pct(baseLat, 99)),
      },
      searchSpeedup: {
        p50: round(pct(baseLat, 50) / pct(lat, 50), 1),
        p99: round(pct(baseLat, 99) / pct(lat, 99), 1),
      },
      rebuildProjection: {
        seconds: round(Number(rebuild.millis) / 1000),
        cameras: Number(rebuild.cameras),
      },
      redisUsedMb: round(usedMb, 1),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n`);
    const rowsOut = [
      [
        "write",
        `registry Import (${BATCH}/batch)`,
        `${result.import.camerasPerSecond} cameras/s`,
        `${result.import.seconds} s`,
      ],
      [
        "write",
        result.baselineWrite.name,
        `${result.baselineWrite.camerasPerSecond} cameras/s`,
        `${result.baselineWrite.seconds} s`,
      ],
      ["write", "ratio registry / baseline (time)", `${result.writeRatio}×`, ""],
      [
        "search",
        "registry ListCameras (indexes)",
        `p50 ${result.search.p50Ms} ms`,
        `p99 ${result.search.p99Ms} ms`,
      ],
      [
        "search",
        "  first time a filter is seen",
        `p50 ${result.search.cold.p50Ms} ms`,
        `p99 ${result.search.cold.p99Ms} ms`,
      ],
      [
        "search",
        "  repeated filter or next page",
        `p50 ${result.search.repeated.p50Ms} ms`,
        `p99 ${result.search.repeated.p99Ms} ms`,
      ],
      [
        "search",
        result.baselineSearch.name,
        `p50 ${result.baselineSearch.p50Ms} ms`,
        `p99 ${result.baselineSearch.p99Ms} ms`,
      ],
      [
        "search",
        "speed-up registry vs baseline",
        `p50 ${result.searchSpeedup.p50}×`,
        `p99 ${result.searchSpeedup.p99}×`,
      ],
      [
        "rebuild",
        "projection from the durable record",
        `${result.rebuildProjection.seconds} s`,
        `${result.rebuildProjection.cameras} cameras`,
      ],
    ];
    const w = [0, 1, 2, 3].map((i) => Math.max(...rowsOut.map((r) => (r[i] ?? "").length)));
    for (const r of rowsOut)
      process.stdout.write(`${r.map((c, i) => c.padEnd(w[i] ?? 0)).join("  ")}\n`);
  } finally {
    redis.disconnect();
    await nc.close();
    client.close();
    await proc.stop().catch(() => undefined);
    await Promise.allSettled([nats.stop(), redisServer.stop()]);
  }
}

await main();
