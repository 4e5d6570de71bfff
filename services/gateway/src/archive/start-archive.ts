import { readFileSync } from "node:fs";
import { Archive, DiskGuard, ExportSigner, type IndexRedis, TimeIndex } from "@vis/archive";
import type { Bus } from "@vis/bus";
import type { ConfigOf } from "@vis/config";
import type { Jwks, RevocationList } from "@vis/grants";
import { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import type { GatewayEvents } from "../gateway.ts";
import { ArchiveHttp } from "../playback/archive-http.ts";
import { RecordedAuthorizer } from "../playback/recorded-authorizer.ts";
import type { RecordingLocator } from "../playback/window-source.ts";
import type { SessionRegistry } from "../sessions/session-registry.ts";
import type { SourceResolver } from "../sources.ts";
import type { archiveConfig } from "./archive-config.ts";
import { archiveBusEvents, REGISTERED_EVENTS } from "./archive-events.ts";
import { openStore, storeChoice } from "./archive-store.ts";
import { HealthGapReporter } from "./gap-reporter.ts";
import { ArchiveOutbox, type OutboxRedis } from "./outbox.ts";
import { Recorder } from "./recorder.ts";
import {
  LeaseDeferral,
  leaseHolders,
  preferredRecorder,
  RecorderRing,
  type RingRedis,
} from "./recorder-ring.ts";
import { LEASE_PREFIX, type LeaseRedis, RecordingLease } from "./recording-lease.ts";
import { RegistryCatalog } from "./registry-catalog.ts";

export interface ArchiveLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ArchiveDeps {
  readonly config: ConfigOf<typeof archiveConfig>["archive"];
  readonly pull: {
    readonly ffmpeg: string;
    readonly stallTimeoutMs: number;
    readonly backoffInitialMs: number;
    readonly backoffMaxMs: number;
  };
  readonly logger: ArchiveLogger;
  readonly bus: Bus;
  /** The time index and the recording leases. */
  readonly redis: IndexRedis & LeaseRedis & RingRedis & OutboxRedis;
  readonly instanceId: string;
  /** The gateway's live sources: the recorder pulls the same URL. */
  readonly sources: SourceResolver;
  /** The gateway's JWKS and revocation list (the live path's, shared). */
  readonly keys: () => Jwks | undefined;
  readonly revoked: RevocationList;
  readonly sessions: SessionRegistry;
  readonly sessionEvents: Partial<GatewayEvents>;
  readonly refusalDelayMs: number;
}

export interface RunningArchive {
  readonly archive: Archive;
  readonly http: ArchiveHttp;
  readonly port: number;
  recorders(): Recorder[];
  /** Cameras this gateway records now (it holds their recording leases). */
  recording(): string[];
  /** This gateway's lease owner id. */
  readonly owner: string;
  close(): Promise<void>;
}

/**
 * The archive inside the gateway process: filesystem or S3 store, Redis index (rebuilt when a
 * recorder starts), recorders for the hub-archived cameras this gateway holds the recording lease
 * of, the retention sweep, and the recorded-footage HTTP edge. The composition root calls this
 * once when `archiveEnabled(config.archive)`.
 */
export async function startArchive(d: ArchiveDeps): Promise<RunningArchive> {
  const c = d.config;
  const choice = storeChoice(c);
  const { store, where } = openStore(choice);
  const owner = d.instanceId;
  const index = new TimeIndex(d.redis);
  const catalog =
    c.registryAddress === ""
      ? undefined
      : new RegistryCatalog(
          createRpcClient(Registry, { address: c.registryAddress, deadlineMs: 10_000 }),
        );
  const configured = new Set(c.cameras.split(",").filter(Boolean));
  const locator: RecordingLocator = {
    archivedByHub: (cam) => configured.has(cam) || (catalog?.archivedByHub(cam) ?? false),
    playbackTemplate: (cam) => {
      if (locator.archivedByHub(cam)) return undefined;
      const t = catalog?.playbackTemplate(cam) ?? c.playbackTemplate;
      return t === "" ? undefined : t.replaceAll("{camera}", cam);
    },
  };
  // the system's retention from the registry, never under the configured floor (≥ 30 days)
  const retentionDays = async (cam: string) =>
    Math.max(c.retentionDays, catalog?.facts(cam)?.retentionDays ?? 0);
  const publishFailed = (err: unknown, what: string) =>
    d.logger.warn({ err, event: "publish_failed", what }, `could not publish ${what}`);
  // removals, holds and exports are kept until JetStream has them (the registration log needs each)
  const outbox = new ArchiveOutbox(d.redis, d.bus, publishFailed, REGISTERED_EVENTS);
  const bus = archiveBusEvents(d.bus, d.instanceId, publishFailed, outbox);
  const archive = new Archive({
    store,
    index,
    retentionDays,
    // each removal is kept for the registration log before its bytes are deleted
    onRemoving: async (rec) => {
      await bus.segmentRemoved(rec, await retentionDays(rec.camera));
    },
  });
  const drainOutbox = async () => {
    const sent = await outbox.drain();
    if (sent > 0) d.logger.info({ event: "archive_outbox_drained", sent }, "outbox drained");
  };
  await drainOutbox();
  const outboxTimer = setInterval(() => void drainOutbox(), c.outboxRetryMs);
  outboxTimer.unref();
  const health = c.healthAddress === "" ? undefined : new HealthGapReporter(c.healthAddress);
  // an object store cannot tell free space (freeBytes is undefined): the guard never halts there
  const disk = new DiskGuard(() => store.freeBytes(), c.minFreeMb * 1024 * 1024);
  d.logger.info(
    { event: "archive_store", store: choice.kind, where, diskGuard: choice.kind === "fs" },
    "archive store",
  );
  const recorders = new Map<string, Recorder>();
  const leases = new Map<string, RecordingLease>();
  /** Cameras without a live source, skipped until the next registry refresh. */
  const noSource = new Set<string>();
  const known = new Set<string>(configured);
  const ring = new RecorderRing(d.redis, owner, c.leaseTtlMs);
  const deferral = new LeaseDeferral(c.leaseTtlMs);
  let closing = false;
  let announced = "";
  const announce = () => {
    const cameras = [...recorders.keys()].sort();
    if (cameras.join(",") === announced) return;
    announced = cameras.join(",");
    d.logger.info({ event: "archive_recording", owner, cameras }, "cameras recorded here");
  };
  const lease = (camera: string, who = owner): RecordingLease => {
    const l: RecordingLease = new RecordingLease({
      redis: d.redis,
      camera,
      owner: who,
      ttlMs: c.leaseTtlMs,
      onLost: (cam, reason) => {
        if (leases.get(cam) !== l) return;
        const r = recorders.get(cam);
        recorders.delete(cam);
        leases.delete(cam);
        d.logger.warn(
          { event: "archive_lease_lost", camera: cam, owner, reason },
          "recording lease lost: recorder stopped",
        );
        announce();
        r?.stop().catch((err: unknown) =>
          d.logger.warn({ err, event: "archive_recorder_stop_failed", camera: cam }, "stop failed"),
        );
      },
    });
    return l;
  };

  const startRecorder = async (camera: string, held: RecordingLease): Promise<boolean> => {
    const source = catalog?.facts(camera)?.liveSource ?? (await d.sources.resolve(camera));
    if (source === undefined) {
      d.logger.warn({ event: "archive_no_source", camera }, `no live source for ${camera}`);
      noSource.add(camera);
      return false;
    }
    // what was stored past the index's end and past the chain's end (a writer stopped between
    // the two); reads only what is new when Redis holds the index and the head hint
    const t0 = Date.now();
    const n = await index.catchUp(store, camera);
    const relinked = await archive.recover(camera);
    d.logger.info(
      {
        event: "archive_index_caught_up",
        camera,
        indexed: n,
        relinked: relinked.length,
        ms: Date.now() - t0,
      },
      "index caught up",
    );
    const r = new Recorder({
      camera,
      source,
      archive,
      disk,
      segmentMs: c.segmentMs,
      gapToleranceMs: c.gapToleranceMs,
      ffmpegPath: d.pull.ffmpeg,
      stallTimeoutMs: d.pull.stallTimeoutMs,
      backoffInitialMs: d.pull.backoffInitialMs,
      backoffMaxMs: d.pull.backoffMaxMs,
      mayWrite: () => held.held(),
      events: {
        gap: (cam, from, to, reason) => {
          d.logger.warn({ event: "recording_gap", camera: cam, from, to }, "recording gap");
          bus.gap(cam, from, to, reason);
          const systemId = catalog?.facts(cam)?.systemId;
          if (health && systemId) {
            health
              .report(systemId, cam, from, to)
              .catch((err: unknown) =>
                d.logger.warn(
                  { err, event: "gap_report_failed", camera: cam },
                  "health report failed",
                ),
              );
          }
        },
        halted: (cam, reason) => {
          d.logger.warn({ event: "recording_halted", camera: cam, reason }, "recording halted");
          bus.halted(cam, reason, false);
        },
        resumed: (cam) => bus.halted(cam, "recording resumed", true),
      },
    });
    // where recording left off — also when another gateway wrote it (the store and index are shared)
    const last = await index.last(camera);
    if (last) r.resumeAfter(last.endMs);
    if (closing || leases.get(camera) !== held || !held.held()) return false;
    r.start();
    recorders.set(camera, r);
    known.add(camera);
    announce();
    return true;
  };

  /** Takes a free camera's lease and starts its recorder; false when another gateway holds it. */
  const tryRecord = async (camera: string): Promise<boolean> => {
    const l = lease(camera);
    if (!(await l.acquire())) return false;
    if (closing) {
      await l.release();
      return true;
    }
    leases.set(camera, l);
    d.logger.info({ event: "archive_lease_acquired", camera, owner }, "recording lease acquired");
    let started = false;
    try {
      started = await startRecorder(camera, l);
    } finally {
      if (!started && leases.get(camera) === l) {
        leases.delete(camera);
        await l.release().catch(() => undefined);
      }
    }
    return true;
  };

  const wantedCameras = () =>
    new Set([...configured, ...(catalog?.hubCameras().map((f) => f.camera) ?? [])]);

  /**
   * Cameras now marked "archived by the hub": takes the free ones (another gateway records the
   * rest) — at once where this gateway ranks first among the live recorders, after a ttl elsewhere;
   * stops recording, and releases, the ones no longer marked.
   */
  const reconcile = async (): Promise<void> => {
    const wanted = wantedCameras();
    const members = await ring.beat().catch((err: unknown) => {
      d.logger.warn({ err, event: "archive_ring_failed" }, "could not announce this recorder");
      return undefined;
    });
    const candidates = [...wanted].filter((cam) => !leases.has(cam) && !noSource.has(cam));
    for (const cam of leases.keys()) deferral.clear(cam);
    const holders = await leaseHolders(d.redis, candidates, LEASE_PREFIX).catch(() => undefined);
    for (const cam of candidates) {
      if (closing) return;
      const preferred = members === undefined ? owner : (preferredRecorder(cam, members) ?? owner);
      const free = holders === undefined || holders.get(cam) === undefined;
      if (!deferral.mayTry(cam, preferred === owner, free, Date.now())) continue;
      try {
        if (await tryRecord(cam)) deferral.clear(cam);
      } catch (err) {
        d.logger.warn({ err, event: "archive_lease_failed", camera: cam }, "could not take lease");
      }
    }
    for (const [cam, l] of leases) {
      if (wanted.has(cam)) continue;
      const r = recorders.get(cam);
      recorders.delete(cam);
      leases.delete(cam);
      await r?.stop();
      await l.release().catch(() => undefined);
      announce();
      d.logger.info({ event: "archive_recorder_stopped", camera: cam }, "no longer hub-archived");
    }
  };
  // Registry refresh every registryRefreshMs; lease attempts on free cameras every ttl/3, so a
  // camera whose recorder died (its lease expired) is taken over within about one ttl.
  let refreshDue = true;
  let ticking: Promise<void> | undefined;
  const tick = (): Promise<void> => {
    if (ticking !== undefined) return ticking;
    ticking = (async () => {
      try {
        if (refreshDue) {
          refreshDue = false;
          await catalog?.refresh();
          noSource.clear();
        }
        await reconcile();
      } catch (err) {
        d.logger.warn({ err, event: "archive_refresh_failed" }, "registry refresh failed");
      } finally {
        ticking = undefined;
      }
    })();
    return ticking;
  };
  await tick();
  const refreshTimer = setInterval(() => {
    refreshDue = true;
    void tick();
  }, c.registryRefreshMs);
  refreshTimer.unref();
  const leaseTimer = setInterval(() => void tick(), Math.max(250, Math.floor(c.leaseTtlMs / 3)));
  leaseTimer.unref();

  const sweep = async () => {
    const wanted = wantedCameras();
    for (const cam of known) {
      if (closing) return;
      // the camera's recorder sweeps it; a camera nobody records is swept under a short lease
      let temporary: RecordingLease | undefined;
      if (!leases.has(cam)) {
        if (wanted.has(cam)) continue;
        temporary = lease(cam, `${owner}:sweep`);
        if (!(await temporary.acquire().catch(() => false))) continue;
      }
      try {
        const out = await archive.sweep(cam);
        if (out.removed.length > 0) {
          d.logger.info(
            {
              event: "retention_sweep",
              camera: cam,
              removed: out.removed.length,
              held: out.held.length,
            },
            "sweep",
          );
        }
      } catch (err) {
        d.logger.warn({ err, event: "retention_sweep_failed", camera: cam }, "sweep failed");
      } finally {
        await temporary?.release().catch(() => undefined);
      }
    }
  };
  const sweepTimer = setInterval(() => void sweep(), c.sweepIntervalMs);
  sweepTimer.unref();
  const signer =
    c.exportKeyFile === ""
      ? ExportSigner.generate()
      : ExportSigner.fromPem(readFileSync(c.exportKeyFile, "utf8"));
  const http = new ArchiveHttp({
    archive,
    authorizer: new RecordedAuthorizer(d.keys, d.revoked),
    locator,
    signer,
    sessions: d.sessions,
    ffmpegPath: d.pull.ffmpeg,
    refusalDelayMs: d.refusalDelayMs,
    sessionEvents: d.sessionEvents,
    events: bus,
    paceLeadMs: c.paceLeadMs,
    hlsIdleMs: c.hlsIdleMs,
    exportMaxMs: c.exportMaxMs,
  });
  const port = await http.listen(c.host, c.port);
  d.logger.info(
    {
      event: "archive_listening",
      url: `http://${c.host}:${port}`,
      kid: signer.kid,
      cameras: [...recorders.keys()],
    },
    "archive listening",
  );
  return {
    archive,
    http,
    port,
    owner,
    recorders: () => [...recorders.values()],
    recording: () => [...recorders.keys()].sort(),
    close: async () => {
      closing = true;
      clearInterval(sweepTimer);
      clearInterval(refreshTimer);
      clearInterval(leaseTimer);
      clearInterval(outboxTimer);
      await ticking;
      await http.close();
      // leave the ring first (the others rank without this gateway), store the last segment while
      // the lease is still held, then give the lease up
      await ring.leave().catch(() => undefined);
      await Promise.all([...recorders.values()].map((r) => r.stop()));
      await Promise.all(
        [...leases.values()].map(async (l) => {
          await l.release().catch(() => undefined);
          d.logger.info(
            { event: "archive_lease_released", camera: l.camera, owner },
            "recording lease released",
          );
        }),
      );
      recorders.clear();
      leases.clear();
      health?.close();
    },
  };
}
