// For the benchmark and tools: the monitor core, without the service process around it.
export { DEFAULT_POLICY, type StatusPolicy } from "./domain/policy.ts";
export type { ProbeResult, Transition } from "./domain/tracker.ts";
export { Monitor, type MonitorListener, type MonitorOptions } from "./monitor.ts";
export { type ProbeFn, probeTarget } from "./probe/probe.ts";
export { HealthStore } from "./store/health-store.ts";
