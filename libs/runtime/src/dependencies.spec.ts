import { DependencyState } from "@vis/proto/vis/ops/v1/admin_pb";
import { describe, expect, it } from "vitest";
import { DependencyTracker } from "./dependencies.ts";

describe("DependencyTracker", () => {
  it("is up only while every dependency is connected, and reports each change once", () => {
    const deps = new DependencyTracker();
    const nats = deps.track("nats", "nats://user:secret@127.0.0.1:4222", "connected");
    const redis = deps.track("redis", "redis://127.0.0.1:6379", "connected");
    const seen: boolean[] = [];
    deps.onChange((up) => seen.push(up));
    expect(deps.allUp()).toBe(true);
    nats("reconnecting");
    nats("reconnecting");
    redis("closed");
    nats("connected");
    redis("connected");
    expect(seen).toEqual([false, false, false, true]);
  });

  it("describes dependencies without credentials", () => {
    const deps = new DependencyTracker();
    deps.track("nats", "nats://user:secret@127.0.0.1:4222", "reconnecting");
    const [nats] = deps.describe();
    expect(nats?.target).toBe("nats://***@127.0.0.1:4222");
    expect(nats?.state).toBe(DependencyState.RECONNECTING);
  });
});
