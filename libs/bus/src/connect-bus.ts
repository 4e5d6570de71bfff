import type { Bus, BusOptions } from "./bus.ts";
import { dial } from "./connect.ts";
import { silentLogger } from "./logger.ts";
import { NatsBus } from "./nats-bus.ts";

/**
 * Connects to NATS. The first connection is bounded by `connectTimeoutMs` and fails with one
 * `unavailable` line; afterwards the client reconnects forever and `state`/`onState` tell.
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  const logger = options.logger ?? silentLogger;
  const nc = await dial({ ...options, connectTimeoutMs: options.connectTimeoutMs ?? 5000 }, logger);
  return new NatsBus(nc, options, logger);
}
