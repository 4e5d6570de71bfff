import { randomBytes } from "node:crypto";
import {
  type Archive,
  type ExportSigner,
  type SignedExportManifest,
  sha256Hex,
} from "@vis/archive";
import { VisError } from "@vis/errors";
import type { RecordedGrant } from "./recorded-authorizer.ts";
import { remux } from "./remux.ts";
import { type RecordingLocator, windowFlv } from "./window-source.ts";

export interface ExportResult {
  readonly manifest: SignedExportManifest;
  readonly clipKey: string;
  readonly manifestKey: string;
}

export const exportClipKey = (id: string) => `exp/${id}.mp4`;
export const exportManifestKey = (id: string) => `exp/${id}.json`;

/**
 * A copy (Art. 24 复制): the window as MP4, stored write-once beside a manifest naming the camera,
 * window, the source segments' sha256, the grant and its officers, signed by the hub.
 */
export async function createExport(
  archive: Archive,
  locator: RecordingLocator,
  signer: ExportSigner,
  grant: RecordedGrant,
  camera: string,
  fromMs: number,
  toMs: number,
  ffmpegPath: string,
): Promise<ExportResult> {
  const segments: { key: string; sha256: string; startMs: number; endMs: number }[] = [];
  if (locator.archivedByHub(camera)) {
    const plan = await archive.plan(camera, fromMs, toMs);
    for (const s of plan.segments) {
      segments.push({
        key: s.key,
        sha256: sha256Hex(await archive.read(s)),
        startMs: s.startMs,
        endMs: s.endMs,
      });
    }
  }
  const clip = await remux(windowFlv(archive, locator, camera, fromMs, toMs), "mp4", ffmpegPath);
  if (clip.length === 0) throw new VisError("internal", "empty clip");
  const exportId = `x-${randomBytes(8).toString("hex")}`;
  const manifest = signer.sign({
    v: 1,
    exportId,
    camera,
    window: { fromMs, toMs },
    segments,
    clip: { sha256: sha256Hex(clip), bytes: clip.length, format: "mp4" },
    grantId: grant.grantId,
    agencyId: grant.agency,
    officers: [...grant.officers],
    createdAt: new Date(archive.now()).toISOString(),
  });
  await archive.store.put(exportClipKey(exportId), clip);
  await archive.store.put(exportManifestKey(exportId), Buffer.from(JSON.stringify(manifest)));
  return { manifest, clipKey: exportClipKey(exportId), manifestKey: exportManifestKey(exportId) };
}
