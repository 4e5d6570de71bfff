import type { Bus } from "@vis/bus";
import type { Incident, ProbeTarget } from "@vis/proto/vis/health/v1/status_pb";
import type { Logger } from "@vis/telemetry";
import type { IncidentChange } from "../domain/incidents.ts";
import type { Transition } from "../domain/tracker.ts";
import type { Monitor, MonitorListener } from "../monitor.ts";
import { statusOf } from "../views.ts";
import { incidentEvent, statusChanged } from "./events.ts";
import type { WatchHub } from "./watch-hub.ts";

/** Publishes the monitor's status changes and incident changes on JetStream (`VIS_HEALTH`). */
export class EventPublisher implements MonitorListener {
  constructor(
    private readonly bus: Bus,
    private readonly hub: WatchHub,
    private readonly logger: Logger,
  ) {}

  status(target: ProbeTarget, t: Transition, monitor: Monitor): void {
    const status = statusOf(monitor, target.id);
    if (status === undefined) return;
    this.bus
      .publish(statusChanged, {
        meta: {
          ...this.hub.meta(`status:${target.id}:${t.at}`),
          id: `${target.id}:${t.at}:${t.to}`,
        },
        status,
        previous: t.from,
      })
      .catch((err: unknown) =>
        this.logger.warn({ err, target: target.id }, "status event not published"),
      );
  }

  incident(incident: Incident, change: IncidentChange): void {
    const id = `${incident.id}:${change}${change === "updated" ? `:${incident.severity}` : ""}`;
    this.logger.info(
      {
        event: `incident_${change}`,
        incident: incident.id,
        target: incident.targetId,
        reason: incident.reason,
      },
      `incident ${change}`,
    );
    this.bus
      .publish(incidentEvent(change), { meta: { ...this.hub.meta(id), id }, incident })
      .catch((err: unknown) =>
        this.logger.warn({ err, incident: incident.id }, "incident event not published"),
      );
  }
}
