import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type Bus, connectBus } from "@vis/bus";
import { type NatsServer, type RedisServer, startNats, startRedis } from "@vis/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ARCHIVE_STREAM,
  archiveBusEvents,
  REGISTERED_EVENTS,
} from "../../../services/gateway/src/archive/archive-events.ts";
import { ArchiveOutbox } from "../../../services/gateway/src/archive/outbox.ts";

// A removal must reach the registration log even when NATS is away at that moment: the archive's
// outbox keeps it in Redis until JetStream acknowledges it (real nats-server killed and restarted,
// real redis-server).
describe("archive outbox", () => {
  let nats: NatsServer;
  let redisServer: RedisServer;
  let redis: Redis;
  let bus: Bus;
  const errors: string[] = [];

  beforeAll(async () => {
    [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
    redis = new Redis(redisServer.url);
    bus = await connectBus({ servers: nats.url, name: "outbox-test", requestTimeoutMs: 1000 });
    await bus.ensureStreams([ARCHIVE_STREAM]);
  });
  afterAll(async () => {
    await bus?.close();
    redis?.disconnect();
    await Promise.allSettled([nats?.stop(), redisServer?.stop()]);
  });

  const stored = async (subject: string) => {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(ARCHIVE_STREAM.name, { subjects_filter: subject });
    await nc.close();
    return info.state.subjects?.[subject] ?? 0;
  };
  const record = (seq: number) => ({
    v: 1 as const,
    camera: "cam-a",
    seq,
    kind: "removed" as const,
    key: `seg/cam-a/${String(seq * 2000).padStart(15, "0")}-2000.flv`,
    startMs: seq * 2000,
    endMs: seq * 2000 + 2000,
    bytes: 10,
    sha256: "a".repeat(64),
    prev: "0".repeat(64),
    at: 1_000,
    reason: "retention of 30 days expired",
    hash: "b".repeat(64),
  });

  it("keeps a removal while NATS is down and publishes it once NATS is back", async () => {
    const outbox = new ArchiveOutbox(
      redis,
      bus,
      (_e, what) => errors.push(what),
      REGISTERED_EVENTS,
    );
    const events = archiveBusEvents(bus, "gw-1", (_e, what) => errors.push(what), outbox);
    await events.segmentRemoved(record(1), 30);
    await expect.poll(() => outbox.pending()).toBe(0);
    expect(await stored("vis.archive.segment.removed")).toBe(1);

    await nats.kill("SIGKILL");
    await events.segmentRemoved(record(2), 30); // kept in Redis: resolves though NATS is down
    await events.segmentRemoved(record(3), 30);
    await expect
      .poll(() => errors.filter((e) => e.includes("segment.removed")).length, {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await outbox.pending()).toBe(2);
    expect(await outbox.drain()).toBe(0); // still down: nothing lost, nothing done

    await nats.restart();
    await expect.poll(() => outbox.drain(), { timeout: 30_000, interval: 500 }).toBe(2);
    expect(await outbox.pending()).toBe(0);
    expect(await stored("vis.archive.segment.removed")).toBe(3);
    // sent again (a gateway restart mid-publish): JetStream keeps one per fact
    await events.segmentRemoved(record(3), 30);
    await expect.poll(() => outbox.pending()).toBe(0);
    expect(await stored("vis.archive.segment.removed")).toBe(3);
  });
});
