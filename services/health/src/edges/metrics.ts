import { metrics } from "@opentelemetry/api";
import type { Incident, ProbeTarget } from "@vis/proto/vis/health/v1/status_pb";
import { State } from "@vis/proto/vis/health/v1/status_pb";
import type { IncidentChange } from "../domain/incidents.ts";
import type { ProbeResult } from "../domain/tracker.ts";
import type { Monitor, MonitorListener } from "../monitor.ts";

const STATES = [State.UNKNOWN, State.ONLINE, State.DEGRADED, State.OFFLINE, State.MAINTENANCE];

/** Prometheus metrics (through the process's OpenTelemetry meter provider). */
export function installHealthMetrics(monitor: Monitor): MonitorListener {
  const meter = metrics.getMeter("vis-health");
  const probes = meter.createCounter("vis_health_probes", { description: "Probes run, by result" });
  const duration = meter.createHistogram("vis_health_probe_duration", {
    description: "Probe duration",
    unit: "ms",
    advice: { explicitBucketBoundaries: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] },
  });
  const incidents = meter.createCounter("vis_health_incidents", {
    description: "Incident changes",
  });
  const ttr = meter.createHistogram("vis_health_time_to_repair", {
    description: "Time to repair of closed incidents",
    unit: "s",
    advice: { explicitBucketBoundaries: [10, 60, 300, 900, 3600, 14400, 86400, 604800] },
  });
  meter
    .createObservableGauge("vis_health_targets", { description: "Targets by state" })
    .addCallback((r) => {
      const counts = monitor.countByState();
      for (const s of STATES) r.observe(counts.get(s) ?? 0, { state: State[s].toLowerCase() });
    });
  meter
    .createObservableGauge("vis_health_open_incidents", { description: "Open incidents" })
    .addCallback((r) => r.observe(monitor.book.openCount));
  meter
    .createObservableGauge("vis_health_probe_backlog", {
      description: "Probes due but waiting for the budget",
    })
    .addCallback((r) => r.observe(monitor.wheel.backlog));
  meter
    .createObservableGauge("vis_health_probes_in_flight", { description: "Probes running" })
    .addCallback((r) => r.observe(monitor.wheel.running));
  return {
    probed(_t: ProbeTarget, res: ProbeResult) {
      probes.add(1, { result: res.ok ? "ok" : "failed" });
      duration.record(res.latencyMs);
    },
    incident(i: Incident, change: IncidentChange) {
      incidents.add(1, { change });
      if (change === "closed") ttr.record(Number(i.timeToRepairMs) / 1000);
    },
  };
}
