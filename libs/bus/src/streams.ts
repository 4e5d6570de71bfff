import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { JetStreamApiError } from "@nats-io/jetstream";
import { backoffDelay, sleep } from "./backoff.ts";
import type { BusLogger } from "./logger.ts";
import { isTransient, toVisError } from "./nats-errors.ts";
import { type StreamSpec, streamDrift, toStreamConfig, validateStreamSpec } from "./stream-spec.ts";

const STREAM_NOT_FOUND = 10059;
const ATTEMPTS = 4;

/**
 * Creates each stream, or updates it when its configuration drifted from the spec. Idempotent and
 * safe to run from several processes at once: identical creates all succeed, and a create that
 * loses a race falls back to comparing and updating.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  specs: readonly StreamSpec[],
  logger: BusLogger,
): Promise<void> {
  for (const spec of specs) validateStreamSpec(spec);
  for (const spec of specs) {
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureOne(jsm, spec, logger);
        break;
      } catch (err) {
        if (!isTransient(err) || attempt + 1 >= ATTEMPTS) {
          throw toVisError(err, `ensure stream ${spec.name}`);
        }
        await sleep(backoffDelay(attempt, 250, 2000));
      }
    }
  }
}

async function ensureOne(
  jsm: JetStreamManager,
  spec: StreamSpec,
  logger: BusLogger,
): Promise<void> {
  const config = toStreamConfig(spec);
  let info: StreamInfo | undefined = await jsm.streams.info(spec.name).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND) return undefined;
    throw err;
  });
  if (info === undefined) {
    try {
      await jsm.streams.add(config);
      logger.info({ event: "stream_created", stream: spec.name }, "stream created");
      return;
    } catch (err) {
      // another process created it first, with a different configuration: compare and update
      if (!(err instanceof JetStreamApiError)) throw err;
      info = await jsm.streams.info(spec.name);
    }
  }
  const drift = streamDrift(spec, info.config);
  if (drift.length === 0) return;
  await jsm.streams.update(spec.name, config);
  logger.info(
    { event: "stream_updated", stream: spec.name, drift },
    "stream configuration updated",
  );
}
