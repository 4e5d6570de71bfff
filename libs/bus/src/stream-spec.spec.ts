import { DiscardPolicy, StorageType } from "@nats-io/jetstream";
import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { type StreamSpec, streamDrift, toStreamConfig, validateStreamSpec } from "./stream-spec.ts";

const spec: StreamSpec = {
  name: "VIS_LOG",
  subjects: ["vis.log.entry.*"],
  maxAgeMs: 31 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
  discard: "new",
  denyDelete: true,
  denyPurge: true,
  storage: "file",
};

describe("stream spec → JetStream config", () => {
  it("converts durations to nanoseconds and policies to enums", () => {
    expect(toStreamConfig(spec)).toEqual({
      name: "VIS_LOG",
      subjects: ["vis.log.entry.*"],
      retention: "limits",
      storage: StorageType.File,
      max_age: 31 * 24 * 3600 * 1e9,
      duplicate_window: 120 * 1e9,
      discard: DiscardPolicy.New,
      deny_delete: true,
      deny_purge: true,
      num_replicas: 1,
    });
    expect(toStreamConfig({ ...spec, discard: "old" }).discard).toBe(DiscardPolicy.Old);
  });

  it("sees no drift in what the server returns, with its extra defaults", () => {
    const fromServer = {
      ...toStreamConfig(spec),
      subjects: ["vis.log.entry.*"],
      max_msgs: -1,
      max_bytes: -1,
      allow_direct: false,
      sealed: false,
    };
    expect(streamDrift(spec, fromServer)).toEqual([]);
    expect(
      streamDrift({ ...spec, subjects: ["b", "a"] }, { ...fromServer, subjects: ["a", "b"] }),
    ).toEqual([]);
  });

  it("names the drifted fields", () => {
    const fromServer = { ...toStreamConfig(spec), max_age: 1e9, deny_delete: false };
    expect(streamDrift(spec, fromServer).sort()).toEqual(["deny_delete", "max_age"]);
  });
});

describe("stream spec validation", () => {
  const bad: [Partial<StreamSpec>, string][] = [
    [{ name: "bad name" }, "stream"],
    [{ subjects: [] }, "streams[VIS_LOG].subjects"],
    [{ subjects: ["a..b"] }, "streams[VIS_LOG].subjects"],
    [{ maxAgeMs: -1 }, "streams[VIS_LOG].maxAgeMs"],
    [{ duplicateWindowMs: 0 }, "streams[VIS_LOG].duplicateWindowMs"],
    [{ maxAgeMs: 1000, duplicateWindowMs: 2000 }, "streams[VIS_LOG].duplicateWindowMs"],
    [{ replicas: 0 }, "streams[VIS_LOG].replicas"],
  ];
  it.each(bad)("refuses %j naming %s", (patch, field) => {
    try {
      validateStreamSpec({ ...spec, ...patch });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VisError);
      expect((err as VisError).field).toBe(field);
    }
  });

  it("accepts the spec and an unlimited age", () => {
    expect(() => validateStreamSpec(spec)).not.toThrow();
    expect(() => validateStreamSpec({ ...spec, maxAgeMs: 0 })).not.toThrow();
  });
});
