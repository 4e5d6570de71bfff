import { int } from "@vis/config";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { finishPendingBatches, registryHandlers } from "./api/handlers.ts";
import { systemClock } from "./domain/dates.ts";
import { startBatchFinisher } from "./import/importer.ts";
import { Projector } from "./projection/projector.ts";
import { Queries } from "./projection/queries.ts";
import { EventRelay } from "./record/event-relay.ts";
import { REGISTRY_STREAM } from "./record/events.ts";
import { RecordStore } from "./record/record-store.ts";

// The registry: the one register of agencies, video systems, cameras, interconnect endpoints and
// filings (备案). The durable record is JetStream KV (one bucket per kind); every revision becomes an
// event on VIS_REGISTRY; Redis holds a projection (documents + indexes) rebuilt from the record.
await runService({
  name: "registry",
  version: pkg.version,
  config: {
    registry: { projectionWaitMs: int(3000, 0, 60_000) },
  },
  streams: [REGISTRY_STREAM],
  grpcServices: [Registry.typeName],
  start: async ({ bus, store, rpc, logger, instanceId, config }) => {
    const records = await RecordStore.open(bus.connection);
    const projector = new Projector(bus.connection, store.redis, logger);
    const relay = new EventRelay(bus, logger, instanceId);
    const deps = {
      records,
      queries: new Queries(store.redis),
      projector,
      clock: systemClock,
      projectionWaitMs: config.registry.projectionWaitMs,
    };
    projector.start();
    await relay.start();
    const finished = await finishPendingBatches(deps);
    if (finished > 0)
      logger.info(
        { event: "imports_finished", batches: finished },
        "finished pending import batches",
      );
    const finisher = new AbortController();
    startBatchFinisher(deps, 3000, finisher.signal, (err) =>
      logger.warn({ err, event: "import_finish_retry" }, "finishing import batches: will retry"),
    );
    rpc.add(Registry, registryHandlers(deps));
    return async () => {
      finisher.abort();
      await Promise.all([relay.stop(), projector.stop()]);
    };
  },
});
