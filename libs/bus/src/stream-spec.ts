import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { checkName, checkSubject } from "./subject.ts";

/** A JetStream stream declared in code and created or updated at start (`bus.ensureStreams`). */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  /** How long messages are kept; 0 keeps them until a limit discards them. */
  readonly maxAgeMs: number;
  /** Publishes with the same `Nats-Msg-Id` inside this window are stored once. */
  readonly duplicateWindowMs: number;
  /** At a limit: drop the oldest (`old`) or refuse new messages (`new`, for records that must last). */
  readonly discard: "old" | "new";
  readonly denyDelete: boolean;
  readonly denyPurge: boolean;
  readonly storage: "file";
  /** Replicas in a cluster (default 1). */
  readonly replicas?: number;
}

/** Checks a spec once and names the bad field (`streams[VIS_OPS].duplicateWindowMs`). */
export function validateStreamSpec(spec: StreamSpec): void {
  checkName("stream", spec.name);
  const field = (f: string) => `streams[${spec.name}].${f}`;
  const fail = (f: string, text: string): never => {
    throw new VisError("invalid_argument", `stream ${spec.name}: ${text}`, { field: field(f) });
  };
  if (spec.subjects.length === 0) fail("subjects", "needs at least one subject");
  for (const s of spec.subjects) checkSubject(s, field("subjects"));
  if (!Number.isInteger(spec.maxAgeMs) || spec.maxAgeMs < 0) {
    fail("maxAgeMs", "maxAgeMs must be a whole number ≥ 0");
  }
  if (!Number.isInteger(spec.duplicateWindowMs) || spec.duplicateWindowMs <= 0) {
    fail("duplicateWindowMs", "duplicateWindowMs must be a whole number > 0");
  }
  if (spec.maxAgeMs > 0 && spec.duplicateWindowMs > spec.maxAgeMs) {
    fail("duplicateWindowMs", "duplicateWindowMs must not exceed maxAgeMs");
  }
  if (spec.discard !== "old" && spec.discard !== "new") fail("discard", 'must be "old" or "new"');
  if (spec.storage !== "file") fail("storage", 'must be "file"');
  const replicas = spec.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    fail("replicas", "replicas must be 1 to 5");
  }
}

/** The JetStream configuration a spec stands for (nanosecond durations, policy enums). */
export function toStreamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    discard: spec.discard === "new" ? DiscardPolicy.New : DiscardPolicy.Old,
    deny_delete: spec.denyDelete,
    deny_purge: spec.denyPurge,
    num_replicas: spec.replicas ?? 1,
  };
}

/**
 * The fields of `current` that differ from what the spec wants (empty when the stream already
 * matches). Only fields the spec sets are compared, so server defaults never cause an update.
 */
export function streamDrift(spec: StreamSpec, current: Partial<StreamConfig>): string[] {
  const want = toStreamConfig(spec) as Record<string, unknown>;
  const have = current as Record<string, unknown>;
  const drift: string[] = [];
  for (const [key, value] of Object.entries(want)) {
    const now = have[key];
    const same = Array.isArray(value)
      ? Array.isArray(now) && [...now].sort().join("\n") === [...value].sort().join("\n")
      : now === value;
    if (!same) drift.push(key);
  }
  return drift;
}
