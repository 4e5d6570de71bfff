import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { FFMPEG } from "./paths.ts";
import { runToEnd } from "./process.ts";

/** The synthetic clip every camera loops. Changing a value changes the cache key. */
export const CLIP = {
  width: 640,
  height: 360,
  fps: 25,
  /** Keyframe interval; playback cuts snap to it. */
  gopSeconds: 2,
  seconds: 30,
  /** Distinct looks (hue, tone); cameras reuse them round-robin. */
  variants: 4,
  /** Bump when the encoding recipe changes. */
  recipe: 1,
} as const;

export function variantOf(cameraIndex: number): number {
  return cameraIndex % CLIP.variants;
}

export function clipFileName(variant: number, videoBitrate: number): string {
  const { width, height, fps, gopSeconds, seconds, recipe } = CLIP;
  const kbps = Math.round(videoBitrate / 1000);
  return `clip-r${recipe}-v${variant}-${width}x${height}-${fps}fps-g${gopSeconds}-${seconds}s-${kbps}k.flv`;
}

function encodeArgs(variant: number, videoBitrate: number, out: string): string[] {
  const { width, height, fps, gopSeconds, seconds } = CLIP;
  const gop = String(fps * gopSeconds);
  const kbps = Math.round(videoBitrate / 1000);
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-y"],
    ...["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps},hue=h=${variant * 90}`],
    ...["-f", "lavfi", "-i", `sine=frequency=${440 + variant * 110}:sample_rate=44100`],
    ...["-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency"],
    ...["-profile:v", "main", "-pix_fmt", "yuv420p", "-b:v", `${kbps}k`, "-maxrate", `${kbps}k`],
    ...["-bufsize", `${kbps * 2}k`, "-g", gop, "-keyint_min", gop, "-sc_threshold", "0"],
    ...["-c:a", "aac", "-b:a", "64k", "-ac", "1", "-f", "flv", out],
  ];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile() && s.size > 0,
    () => false,
  );
}

/**
 * Returns the cached clip for a variant, encoding it first if needed (about 2 s of CPU at
 * `veryfast`). Writes to a temp name and renames, so concurrent simulators never see half a file.
 */
export async function ensureClip(
  cacheDir: string,
  variant: number,
  videoBitrate: number,
): Promise<string> {
  const path = join(cacheDir, clipFileName(variant, videoBitrate));
  if (await exists(path)) return path;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await runToEnd(FFMPEG, encodeArgs(variant, videoBitrate, tmp), 120_000);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}
