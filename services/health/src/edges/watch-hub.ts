import { randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import type { EventMetaSchema } from "@vis/proto/vis/common/v1/event_pb";
import type { StatusFilter, WatchResponseSchema } from "@vis/proto/vis/health/v1/monitor_pb";
import type { Incident, ProbeTarget } from "@vis/proto/vis/health/v1/status_pb";
import type { IncidentChange } from "../domain/incidents.ts";
import type { Transition } from "../domain/tracker.ts";
import type { Monitor, MonitorListener } from "../monitor.ts";
import { matches, statusOf } from "../views.ts";

type Change = MessageInitShape<typeof WatchResponseSchema>;

interface Watcher {
  filter: StatusFilter | undefined;
  queue: Change[];
  wake: (() => void) | undefined;
  overflow: boolean;
}

/** A watcher that falls this far behind is cut off (it can reconnect with `initial`). */
const MAX_QUEUE = 10_000;

/**
 * Fans the monitor's changes out to Watch streams. Each stream has its own bounded queue and is
 * written with back-pressure (`send` waits while the transport is full).
 */
export class WatchHub implements MonitorListener {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly instanceId: string,
    private readonly now: () => number,
  ) {}

  get count(): number {
    return this.watchers.size;
  }

  meta(id: string): MessageInitShape<typeof EventMetaSchema> {
    return {
      id: `${id}:${randomBytes(6).toString("hex")}`,
      time: timestampFromMs(this.now()),
      actor: { service: "health" },
      sourceInstance: this.instanceId,
    };
  }

  status(target: ProbeTarget, t: Transition, monitor: Monitor): void {
    if (this.watchers.size === 0) return;
    const status = statusOf(monitor, target.id);
    if (status === undefined) return;
    const change: Change = {
      change: {
        case: "status",
        value: { meta: this.meta(`status:${target.id}`), status, previous: t.from },
      },
    };
    for (const w of this.watchers) if (matches(w.filter, target, t.to)) this.push(w, change);
  }

  incident(incident: Incident, change: IncidentChange): void {
    const c: Change = {
      change: {
        case: "incident",
        value: { meta: this.meta(`incident:${incident.id}:${change}`), incident },
      },
    };
    for (const w of this.watchers) {
      const f = w.filter;
      const t = {
        id: incident.targetId,
        systemId: incident.systemId,
        agencyId: incident.agencyId,
        district: incident.district,
      };
      if (matches(f === undefined ? undefined : { ...f, states: [] }, t, incident.severity))
        this.push(w, c);
    }
  }

  /** Streams until the caller goes away; `initial` first. */
  async serve(
    filter: StatusFilter | undefined,
    signal: AbortSignal,
    send: (c: Change) => Promise<void>,
    initial: Change[],
  ): Promise<void> {
    const w: Watcher = { filter, queue: [...initial], wake: undefined, overflow: false };
    this.watchers.add(w);
    const onAbort = () => w.wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        if (w.overflow) {
          throw new VisError(
            "resource_exhausted",
            `watch fell more than ${MAX_QUEUE} changes behind; reconnect`,
          );
        }
        const next = w.queue.shift();
        if (next !== undefined) {
          await send(next);
          continue;
        }
        await new Promise<void>((resolve) => {
          w.wake = resolve;
        });
        w.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.watchers.delete(w);
    }
  }

  private push(w: Watcher, c: Change): void {
    if (w.queue.length >= MAX_QUEUE) w.overflow = true;
    else w.queue.push(c);
    w.wake?.();
  }
}
