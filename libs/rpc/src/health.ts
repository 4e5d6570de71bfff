import { VisError } from "@vis/errors";
import {
  type Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@vis/proto/grpc/health/v1/health_pb";
import type { ServiceImpl } from "./service-impl.ts";

/** A serving status as the standard health protocol names it. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** What a service sets about itself. `""` is the server as a whole. */
export interface HealthStatus {
  set(service: string, status: "SERVING" | "NOT_SERVING"): void;
  get(service: string): "SERVING" | "NOT_SERVING" | undefined;
}

export function servingStatusName(value: Status): ServingStatus {
  return (Status[value] as ServingStatus | undefined) ?? "UNKNOWN";
}

/**
 * Statuses of the server and its services, watched by `grpc.health.v1.Health/Watch`. `shutdown`
 * (called by `RpcServer.close`) turns everything NOT_SERVING and ends the Watch streams.
 */
export class HealthStore implements HealthStatus {
  private readonly statuses = new Map<string, "SERVING" | "NOT_SERVING">();
  private readonly listeners = new Set<(service: string) => void>();
  private readonly closing = new AbortController();

  set(service: string, status: "SERVING" | "NOT_SERVING"): void {
    if (this.closing.signal.aborted || this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners) listener(service);
  }

  get(service: string): "SERVING" | "NOT_SERVING" | undefined {
    return this.statuses.get(service);
  }

  entries(): [string, "SERVING" | "NOT_SERVING"][] {
    return [...this.statuses];
  }

  /** Calls `listener` whenever a status changes; returns the unsubscribe function. */
  subscribe(listener: (service: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get closed(): AbortSignal {
    return this.closing.signal;
  }

  shutdown(): void {
    for (const service of this.statuses.keys()) this.set(service, "NOT_SERVING");
    this.closing.abort();
  }
}

/** The standard health service over a store: Check, List and Watch. */
export function healthImpl(store: HealthStore): ServiceImpl<typeof Health> {
  const statusOf = (service: string): Status => {
    const s = store.get(service);
    return s === undefined ? Status.SERVICE_UNKNOWN : Status[s];
  };
  return {
    async check(req) {
      const status = store.get(req.service);
      if (status === undefined) throw new VisError("not_found", `unknown service "${req.service}"`);
      return { status: Status[status] };
    },
    async list() {
      return {
        statuses: Object.fromEntries(
          store.entries().map(([name, s]) => [name, { status: Status[s] }]),
        ),
      };
    },
    watch(req, ctx, send) {
      return new Promise<void>((resolve) => {
        let last: Status | undefined;
        const push = () => {
          const status = statusOf(req.service);
          if (status === last) return;
          last = status;
          send({ status }).catch(stop);
        };
        const unsubscribe = store.subscribe((service) => {
          if (service === req.service) push();
        });
        const stop = () => {
          unsubscribe();
          ctx.signal.removeEventListener("abort", stop);
          store.closed.removeEventListener("abort", stop);
          resolve();
        };
        push();
        ctx.signal.addEventListener("abort", stop, { once: true });
        store.closed.addEventListener("abort", stop, { once: true });
        if (ctx.signal.aborted || store.closed.aborted) stop();
      });
    },
  };
}
