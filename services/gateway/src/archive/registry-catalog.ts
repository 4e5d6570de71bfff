import type { Camera } from "@vis/proto/vis/registry/v1/model_pb";
import type { Registry } from "@vis/proto/vis/registry/v1/registry_pb";
import type { RpcClient } from "@vis/rpc";
import type { RecordingLocator } from "../playback/window-source.ts";

/** What the archive needs to know about one camera, from the registry. */
export interface CameraFacts {
  readonly camera: string;
  readonly systemId: string;
  /** `Playback.archived_by_hub`: the hub records it. */
  readonly archivedByHub: boolean;
  /** `Playback.url_template`: the operator's recorder serves playback. */
  readonly playbackTemplate: string | undefined;
  /** The highest-priority live source (the recorder pulls it). */
  readonly liveSource: string | undefined;
  /** The system's `retention_days` (Art. 21(7)). */
  readonly retentionDays: number;
}

const MAX_PAGES = 1000;

/**
 * The registry's view of cameras, refreshed as a whole (ListCameras pages, then GetSystem once per
 * system): which the hub records, where operators' playback is, each system's retention. Answers
 * synchronously from the last refresh; a failed refresh keeps the previous view.
 */
export class RegistryCatalog implements RecordingLocator {
  readonly #client: RpcClient<typeof Registry>;
  #cameras = new Map<string, CameraFacts>();
  refreshedAt = 0;

  constructor(client: RpcClient<typeof Registry>) {
    this.#client = client;
  }

  async refresh(): Promise<void> {
    const cams: Camera[] = [];
    let cursor = "";
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.#client.listCameras({ filter: {}, pageSize: 1000, cursor });
      cams.push(...r.cameras);
      cursor = r.nextCursor;
      if (cursor === "") break;
    }
    const retention = new Map<string, number>();
    for (const id of new Set(cams.map((c) => c.systemId))) {
      const { system } = await this.#client.getSystem({ id });
      retention.set(id, system?.retentionDays ?? 0);
    }
    const next = new Map<string, CameraFacts>();
    for (const c of cams) {
      const src = c.playback?.source;
      const live = [...c.liveSources].sort((a, b) => a.priority - b.priority)[0];
      next.set(c.id, {
        camera: c.id,
        systemId: c.systemId,
        archivedByHub: src?.case === "archivedByHub" && src.value,
        playbackTemplate: src?.case === "urlTemplate" ? src.value : undefined,
        liveSource: live?.url,
        retentionDays: retention.get(c.systemId) ?? 0,
      });
    }
    this.#cameras = next;
    this.refreshedAt = Date.now();
  }

  facts(camera: string): CameraFacts | undefined {
    return this.#cameras.get(camera);
  }

  /** Cameras the hub records (not dismantled: ListCameras leaves those out by default). */
  hubCameras(): CameraFacts[] {
    return [...this.#cameras.values()].filter((c) => c.archivedByHub);
  }

  archivedByHub(camera: string): boolean {
    return this.#cameras.get(camera)?.archivedByHub === true;
  }

  playbackTemplate(camera: string): string | undefined {
    return this.#cameras.get(camera)?.playbackTemplate;
  }
}
