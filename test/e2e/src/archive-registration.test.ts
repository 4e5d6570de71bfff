import { randomUUID } from "node:crypto";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Bus, connectBus } from "@vis/bus";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { HoldPhase } from "@vis/proto/vis/access/v1/log_pb";
import { Action, AgencyKind, AgencyLevel, Mode } from "@vis/proto/vis/access/v1/request_pb";
import { type Simulator, startSimulator } from "@vis/simulator";
import { repoRoot, runToExit, type ServiceProcess, startServiceProcess } from "@vis/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Archive, DAY_MS, FsSegmentStore, TimeIndex } from "../../../libs/archive/src/index.ts";
import {
  archiveBusEvents,
  REGISTERED_EVENTS,
} from "../../../services/gateway/src/archive/archive-events.ts";
import { ArchiveOutbox } from "../../../services/gateway/src/archive/outbox.ts";
import {
  type AuthzHub,
  DISTRICT,
  lawfulRequest,
  seedRegistry,
  startAuthzHub,
} from "./authorizer-fixture.ts";
import { eventually, serviceEntry, serviceEnv } from "./hub-fixture.ts";

// Every act on archived footage is registered (Art. 21(7), 22(3), 25): a legal hold placed and
// released, a refused delete, and removals after retention become entries of the registration log,
// with registry, authorizer, gateway (recording cam-a) and simulator all real.
describe("archive acts in the registration log", () => {
  let hub: AuthzHub;
  let sim: Simulator;
  let gateway: ServiceProcess;
  let archiveUrl = "";
  let archiveDir = "";
  const recordingFrom = Date.now();

  beforeAll(async () => {
    [hub, sim] = await Promise.all([startAuthzHub(), startSimulator({ cameras: 1 })]);
    const cam = sim.cameras[0];
    if (cam === undefined) throw new Error("simulator started no camera");
    await seedRegistry(hub, {
      police: [["wujin-traffic-police", "Wujin traffic police"]],
      liveSources: { "cam-a": cam.rtmpUrl },
    });
    archiveDir = join(hub.dir, "archive");
    gateway = await startServiceProcess({
      name: "gateway",
      entry: serviceEntry("gateway"),
      env: {
        ...serviceEnv(hub.nats, hub.redis, join(hub.dir, "gateway.spans.jsonl")),
        VIS_TRACES_EXPORTER: "none",
        VIS_PULL_REGISTRY_ADDRESS: String(hub.registry.ready.grpc),
        VIS_AUTH_AUTHORIZER_ADDRESS: String(hub.authorizer.ready.grpc),
        VIS_PLAY_RTMP: "false",
        VIS_EGRESS_REFUSAL_DELAY_MS: "20",
        VIS_ARCHIVE_DIR: archiveDir,
        VIS_ARCHIVE_CAMERAS: "cam-a",
        VIS_ARCHIVE_MIN_FREE_MB: "1",
      },
    });
    await gateway.waitForLog((l) => l.event === "archive_listening", 20_000);
    // the archive's routes are served on the play port, beside live
    const listening = await gateway.waitForLog((l) => l.event === "play_listening", 20_000);
    archiveUrl = String(listening.url);
  });

  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
    await hub?.stop();
  });

  /** A granted recorded `retrieve` of cam-a over [from, to] for `agency`. */
  const retrieveGrant = async (from: number, to: number, agencyId = "wujin-police") => {
    const { decision } = await hub.access.requestAccess(
      lawfulRequest({
        requester: {
          agencyId,
          agencyName: agencyId,
          kind: AgencyKind.POLICE,
          level: AgencyLevel.COUNTY,
          district: DISTRICT,
        },
        mode: Mode.RECORDED,
        action: Action.RETRIEVE,
        cameraIds: ["cam-a"],
        window: {
          from: timestampFromMs(from - (from % 1000)),
          to: timestampFromMs(to + 1000 - (to % 1000)),
        },
        durationSeconds: 600,
      }),
    );
    expect(decision?.outcome, JSON.stringify(decision?.reasons)).toBe(Outcome.GRANTED);
    return { token: decision?.grant?.token ?? "", grantId: decision?.grant?.grantId ?? "" };
  };
  const call = async (method: string, path: string, q: Record<string, string | number>) => {
    const url = new URL(path, archiveUrl);
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, String(v));
    const res = await fetch(url, { method });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Polls `fn` until it yields a value. */
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, ms: number) => {
    let v: T | undefined;
    await eventually(
      what,
      async () => {
        v = await fn();
        return v !== undefined;
      },
      ms,
    );
    return v as T;
  };
  const entries = async (kind: string) =>
    (await hub.log.queryLog({ cameraId: "cam-a", kinds: [kind] })).entries;

  it("a hold placed for a case, released only by its agency with a reason — both registered", async () => {
    await new Promise((r) => setTimeout(r, 8000)); // a few segments recorded
    const t1 = recordingFrom + 2000;
    const t2 = t1 + 4000;
    const mine = await retrieveGrant(t1, t2);
    const placed = await until(
      "the gateway to accept the grant",
      async () => {
        const r = await call("POST", "/archive/holds", {
          camera: "cam-a",
          start: t1,
          end: t2,
          case: "WJ-CASE-7",
          token: mine.token,
        });
        return r.status === 201 ? r : undefined;
      },
      30_000,
    );
    const hold = placed.body.hold as { id: string; agencyId: string; officers: string[] };
    expect(hold.agencyId).toBe("wujin-police");
    expect(hold.officers).toEqual(["010001", "010002"]);
    const release = (q: Record<string, string>) =>
      call("POST", `/archive/holds/cam-a/${hold.id}/release`, q);

    // another agency, with its own lawful grant over the window: refused, hold still in force
    const theirs = await retrieveGrant(t1, t2, "wujin-traffic-police");
    const foreign = await release({ token: theirs.token, reason: "not ours" });
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(foreign.body)).toMatch(/only that agency may release it/);
    // no reason: refused naming the field
    const bare = await release({ token: mine.token });
    expect(bare.status).toBe(400);
    expect(bare.body).toMatchObject({ error: { field: "reason" } });
    const listed = await call("GET", "/archive/holds", {
      camera: "cam-a",
      start: t1,
      end: t2,
      token: mine.token,
    });
    expect(listed.body.holds).toEqual([{ hold: placed.body.hold }]);

    const ok = await release({ token: mine.token, reason: "case WJ-CASE-7 closed" });
    expect(ok.status).toBe(200);
    expect(ok.body.release).toMatchObject({
      grantId: mine.grantId,
      reason: "case WJ-CASE-7 closed",
    });
    const again = await release({ token: mine.token, reason: "twice" });
    expect(again.status).toBe(412);
    const after = await call("GET", "/archive/holds", {
      camera: "cam-a",
      start: t1,
      end: t2,
      token: mine.token,
    });
    expect(after.body.holds).toEqual([{ hold: placed.body.hold, release: ok.body.release }]);

    // the same through the CLI, as an officer would read it
    const cli = await runToExit({
      entry: join(repoRoot(), "tools", "cli", "src", "main.ts"),
      args: [
        ...["archive", "holds", "--url", archiveUrl, "--token", mine.token, "--camera", "cam-a"],
        ...["--start", String(t1), "--end", String(t2), "--json"],
      ],
      timeoutMs: 60_000,
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(after.body.holds);
    const noReason = await runToExit({
      entry: join(repoRoot(), "tools", "cli", "src", "main.ts"),
      args: [
        "archive",
        "release",
        hold.id,
        "--url",
        archiveUrl,
        "--token",
        mine.token,
        "--camera",
        "cam-a",
      ],
      timeoutMs: 60_000,
    });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);

    const held = await until(
      "placement and release in the log",
      async () => {
        const e = await entries("held");
        return e.length >= 2 ? e : undefined;
      },
      20_000,
    );
    const bodies = held.map((e) => (e.body.case === "held" ? e.body.value : undefined));
    expect(bodies.map((b) => b?.phase)).toEqual([HoldPhase.PLACED, HoldPhase.RELEASED]);
    expect(bodies[0]).toMatchObject({
      holdId: hold.id,
      caseId: "WJ-CASE-7",
      agencyId: "wujin-police",
      officers: "010001,010002",
    });
    expect(bodies[1]).toMatchObject({
      holdId: hold.id,
      releasedUnderGrant: mine.grantId,
      reason: "case WJ-CASE-7 closed",
    });
    // found by officer too (auditors ask "what did this officer do")
    const byOfficer = await hub.log.queryLog({ officerWorkId: "010001", kinds: ["held"] });
    expect(byOfficer.entries.length).toBe(2);
  });

  it("browser players on the police platform's origin: CORS on recorded and live, preflight answered", async () => {
    for (const path of ["/recorded/cam-a.flv", "/archive/holds", "/live/cam-a.flv"]) {
      const pre = await fetch(new URL(path, archiveUrl), {
        method: "OPTIONS",
        headers: {
          origin: "https://police.example",
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(pre.headers.get("access-control-allow-headers"), path).toMatch(/authorization/);
    }
    // a refusal is readable cross-origin too, and names what is missing
    const refused = await fetch(new URL("/recorded/cam-a.flv?start=0&end=1000", archiveUrl));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(refused.headers.get("access-control-expose-headers")).toMatch(/x-vis-first-frame/);
  });

  it("a delete inside retention is refused citing Art. 22(3), registered, and removes nothing", async () => {
    const store = new FsSegmentStore(archiveDir);
    const keys: string[] = [];
    for await (const o of store.list("seg/cam-a/")) keys.push(o.key);
    const key = keys[0] ?? "";
    expect(key).not.toBe("");
    const res = await fetch(new URL(`/archive/segments/${encodeURIComponent(key)}`, archiveUrl), {
      method: "DELETE",
    });
    expect(res.status).toBe(412);
    expect(await res.json()).toMatchObject({ error: { article: "Art. 22(3)" } });
    expect(await store.head(key)).toBeDefined();
    const refused = await until(
      "the refused change in the log",
      async () => {
        const e = await entries("changeRefused");
        return e.length >= 1 ? e : undefined;
      },
      20_000,
    );
    expect(refused[0]?.body.value).toMatchObject({
      what: "segment.delete",
      article: "Art. 22(3)",
      code: "failed_precondition",
    });
  });

  it("removals after retention are registered once each, and the log verifies", async () => {
    // The archive as it will be 31 days on: a copy of the gateway's store, its own index, a clock
    // past retention; the sweep's removals are registered as the gateway registers them.
    const aged = join(hub.dir, "archive-aged");
    cpSync(archiveDir, aged, { recursive: true });
    const redis = new Redis(hub.redis.url, { db: 3 });
    const store = new FsSegmentStore(aged);
    const index = new TimeIndex(redis);
    await index.rebuild(store, "cam-a");
    const bus = await connectBus({ servers: hub.nats.url, name: "aged-archive" });
    const failures: unknown[] = [];
    const outbox = new ArchiveOutbox(redis, bus, (err) => failures.push(err), REGISTERED_EVENTS);
    const events = archiveBusEvents(bus, "gw-aged", (err) => failures.push(err), outbox);
    // wired as the gateway wires it: each removal kept for registration before its bytes go
    const archive = new Archive({
      store,
      index,
      retentionDays: async () => 30,
      clock: () => Date.now() + 31 * DAY_MS,
      onRemoving: async (rec) => {
        await events.segmentRemoved(rec, 30);
      },
    });
    const { removed } = await archive.sweep("cam-a");
    expect(removed.length).toBeGreaterThan(0);
    // a redelivery registers nothing new
    await Promise.all(removed.map((r) => events.segmentRemoved(r, 30)));
    // reported again past JetStream's duplicate window (another message id): still one entry each
    const late = archiveBusEvents(
      {
        publish: (e, v, o) => bus.publish(e, v, { ...o, msgId: `late-${randomUUID()}` }),
      } as Pick<Bus, "publish"> as Bus,
      "gw-aged",
      (err) => failures.push(err),
    );
    await Promise.all(removed.map((r) => late.segmentRemoved(r, 30)));
    const logged = await until(
      "every removal in the log",
      async () => {
        const e = await entries("segmentRemoved");
        return e.length >= removed.length ? e : undefined;
      },
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const all = await entries("segmentRemoved");
    expect(failures).toEqual([]);
    expect(await outbox.pending()).toBe(0);
    expect(all.length).toBe(removed.length);
    expect(
      logged.map((e) => (e.body.case === "segmentRemoved" ? e.body.value.key : "")).sort(),
    ).toEqual(removed.map((r) => r.key).sort());
    expect(logged[0]?.body.value).toMatchObject({ retentionDays: 30 });
    await bus.close();
    redis.disconnect();

    const verify = await runToExit({
      entry: join(repoRoot(), "tools", "cli", "src", "main.ts"),
      args: ["log", "verify", "--authorizer", String(hub.authorizer.ready.grpc)],
      timeoutMs: 60_000,
    });
    expect(verify.stdout + verify.stderr).toMatch(/verified|ok/i);
    expect(verify.code).toBe(0);
  });
});
