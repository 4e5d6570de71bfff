import type { NatsConnection } from "@nats-io/transport-node";
import type { BusLogger } from "./logger.ts";
import type { StateCell } from "./state.ts";

/** Mirrors the connection's status into `state` and logs what operators need to see. */
export function watchStatus(nc: NatsConnection, state: StateCell, logger: BusLogger): void {
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case "disconnect":
          logger.warn({ event: "nats_disconnected", server: s.server }, "NATS connection lost");
          state.set("reconnecting");
          break;
        case "reconnecting":
          state.set("reconnecting");
          break;
        case "reconnect":
          logger.info({ event: "nats_reconnected", server: s.server }, "NATS reconnected");
          state.set("connected");
          break;
        case "staleConnection":
          logger.warn({ event: "nats_stale" }, "NATS connection stale; reconnecting");
          break;
        case "ldm":
          logger.warn(
            { event: "nats_lame_duck", server: s.server },
            "NATS server entering lame duck mode",
          );
          break;
        case "error":
          logger.warn({ event: "nats_error", err: s.error }, "NATS async error");
          break;
        case "slowConsumer":
          logger.warn(
            { event: "nats_slow_consumer", subject: s.sub.getSubject(), pending: s.pending },
            "NATS slow consumer",
          );
          break;
        case "close":
          state.set("closed");
          break;
        default:
          break;
      }
    }
  })();
  void nc.closed().then(() => state.set("closed"));
}
