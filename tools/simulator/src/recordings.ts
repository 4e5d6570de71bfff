import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { expired, type Segment, type SegmentFile, timeline } from "./segments.ts";

/** The recorder's folders: `<root>/<cameraId>/<segment>.ts`. */
export class Recordings {
  constructor(readonly root: string) {}

  dirOf(cameraId: string): string {
    return join(this.root, cameraId);
  }

  /** The camera's segments, oldest first; empty when nothing was recorded yet. */
  async segments(cameraId: string): Promise<Segment[]> {
    const dir = this.dirOf(cameraId);
    const names = await readdir(dir).catch(() => [] as string[]);
    const files = await Promise.all(
      names
        .filter((n) => n.endsWith(".ts"))
        .map((name) =>
          stat(join(dir, name)).then(
            (s): SegmentFile[] => [{ name, mtimeMs: s.mtimeMs }],
            () => [], // pruned or renamed meanwhile
          ),
        ),
    );
    return timeline(files.flat());
  }

  /** Deletes segments whose last write is older than the retention; returns how many. */
  async prune(cameraIds: readonly string[], nowMs: number, retentionMs: number): Promise<number> {
    let removed = 0;
    for (const id of cameraIds) {
      for (const s of expired(await this.segments(id), nowMs, retentionMs)) {
        await rm(join(this.dirOf(id), s.name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
