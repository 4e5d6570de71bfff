import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VisError } from "@vis/errors";

/**
 * Remuxes FLV (H.264/AAC) without re-encoding: to MPEG-TS (HLS segments) or MP4 (downloads,
 * exports; `+faststart`, so it needs a temp file). Resolves with the output bytes.
 */
export async function remux(
  input: AsyncIterable<Buffer>,
  format: "mpegts" | "mp4",
  ffmpegPath: string,
): Promise<Buffer> {
  const out = join(
    tmpdir(),
    `vis-remux-${randomBytes(6).toString("hex")}.${format === "mp4" ? "mp4" : "ts"}`,
  );
  const args = [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "flv", "-i", "pipe:0"],
    ...["-map", "0:v?", "-map", "0:a?", "-c", "copy"],
    // HLS pieces keep their input timestamps (continuous across a playlist's pieces)
    ...(format === "mp4" ? ["-movflags", "+faststart", "-f", "mp4"] : ["-copyts", "-f", "mpegts"]),
    "-y",
    out,
  ];
  const child = spawn(ffmpegPath, args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-1000);
  });
  child.stdin.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  try {
    let bytes = 0;
    for await (const chunk of input) {
      bytes += chunk.length;
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once("drain", r));
    }
    child.stdin.end();
    if (bytes === 0) {
      throw new VisError("not_found", "no keyframe recorded inside this window", {
        field: "start",
      });
    }
    const code = await exited;
    if (code !== 0) throw new VisError("internal", "remux failed", { cause: new Error(stderr) });
    return await readFile(out);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(out, { force: true });
  }
}
