import { readFileSync } from "node:fs";
import {
  Archive,
  DiskGuard,
  ExportSigner,
  FsSegmentStore,
  type IndexRedis,
  TimeIndex,
} from "@vis/archive";
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
import { archiveBusEvents } from "./archive-events.ts";
import { HealthGapReporter } from "./gap-reporter.ts";
import { Recorder } from "./recorder.ts";
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
  readonly redis: IndexRedis;
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
  close(): Promise<void>;
}

/**
 * The archive inside the gateway process: filesystem store, Redis index (rebuilt at start),
 * recorders for the hub-archived cameras, the retention sweep, and the recorded-footage HTTP edge.
 * The composition root calls this once when `archive.dir` is set.
 */
export async function startArchive(d: ArchiveDeps): Promise<RunningArchive> {
  const c = d.config;
  const store = new FsSegmentStore(c.dir);
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
  const archive = new Archive({ store, index, retentionDays });
  const bus = archiveBusEvents(d.bus, d.instanceId, (err, what) =>
    d.logger.warn({ err, event: "publish_failed", what }, `could not publish ${what}`),
  );
  const health = c.healthAddress === "" ? undefined : new HealthGapReporter(c.healthAddress);
  const disk = new DiskGuard(() => store.freeBytes(), c.minFreeMb * 1024 * 1024);
  const recorders = new Map<string, Recorder>();
  const known = new Set<string>(configured);

  const startRecorder = async (camera: string): Promise<void> => {
    const source = catalog?.facts(camera)?.liveSource ?? (await d.sources.resolve(camera));
    if (source === undefined) {
      d.logger.warn({ event: "archive_no_source", camera }, `no live source for ${camera}`);
      return;
    }
    const n = await index.rebuild(store, camera);
    const relinked = await archive.recover(camera);
    d.logger.info(
      { event: "archive_index_rebuilt", camera, segments: n, relinked: relinked.length },
      "index rebuilt",
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
    const last = (await index.all(camera)).at(-1);
    if (last) r.resumeAfter(last.endMs);
    r.start();
    recorders.set(camera, r);
    known.add(camera);
  };

  /** Starts recorders for cameras now marked "archived by the hub", stops the others. */
  const reconcile = async (): Promise<void> => {
    const wanted = new Set([...configured, ...(catalog?.hubCameras().map((f) => f.camera) ?? [])]);
    for (const cam of wanted) if (!recorders.has(cam)) await startRecorder(cam);
    for (const [cam, r] of recorders) {
      if (wanted.has(cam)) continue;
      recorders.delete(cam);
      await r.stop();
      d.logger.info({ event: "archive_recorder_stopped", camera: cam }, "no longer hub-archived");
    }
  };
  const refresh = async () => {
    try {
      await catalog?.refresh();
      await reconcile();
    } catch (err) {
      d.logger.warn({ err, event: "archive_refresh_failed" }, "registry refresh failed");
    }
  };
  await refresh();
  const refreshTimer = setInterval(() => void refresh(), c.registryRefreshMs);
  refreshTimer.unref();

  const sweep = async () => {
    for (const cam of known) {
      try {
        const out = await archive.sweep(cam);
        const days = await retentionDays(cam);
        for (const rec of out.removed) bus.segmentRemoved(rec, days);
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
    events: { exportCreated: bus.exportCreated, refused: bus.refused, holdPlaced: bus.holdPlaced },
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
    recorders: () => [...recorders.values()],
    close: async () => {
      clearInterval(sweepTimer);
      clearInterval(refreshTimer);
      await http.close();
      await Promise.all([...recorders.values()].map((r) => r.stop()));
      health?.close();
    },
  };
}
