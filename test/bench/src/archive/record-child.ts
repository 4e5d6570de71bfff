import { Archive, DiskGuard, FsSegmentStore, TimeIndex } from "@vis/archive";
import { Redis } from "ioredis";
import { Recorder } from "../../../../services/gateway/src/archive/recorder.ts";

// One process recording N cameras with the gateway's recorder (ffmpeg pull → segmenter → sha256,
// manifest link, fsync'd write-once files, Redis index). Prints one JSON line when stdin closes.
const arg = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1] ?? "";
const rtmp = arg("rtmp");
const cameras = arg("cameras").split(",");
const redis = new Redis(arg("redis"));
const store = new FsSegmentStore(arg("dir"));
const archive = new Archive({
  store,
  index: new TimeIndex(redis, "vis:bench:rec:"),
  retentionDays: async () => 30,
});
const disk = new DiskGuard(() => store.freeBytes(), 256 * 1024 * 1024);
const recorders = cameras.map(
  (camera) =>
    new Recorder({
      camera,
      source: `${rtmp}/${camera}`,
      archive,
      disk,
      segmentMs: 2000,
      gapToleranceMs: 3000,
      ffmpegPath: "ffmpeg",
      stallTimeoutMs: 10_000,
      backoffInitialMs: 500,
      backoffMaxMs: 5000,
      events: {},
    }),
);
for (const r of recorders) r.start();
const report = () => ({
  segments: recorders.reduce((a, r) => a + r.segments, 0),
  bytes: recorders.reduce((a, r) => a + r.bytes, 0),
  halted: recorders.filter((r) => r.halted).length,
});
process.stdin.on("data", (d) => {
  if (d.toString().includes("sample")) process.stdout.write(`${JSON.stringify(report())}\n`);
});
process.stdin.on("end", async () => {
  await Promise.all(recorders.map((r) => r.stop()));
  process.stdout.write(`${JSON.stringify(report())}\n`);
  redis.disconnect();
  process.exit(0);
});
