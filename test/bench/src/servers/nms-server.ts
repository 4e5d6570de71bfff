import { createRequire } from "node:module";

// Plain node-media-server 4.4.3 as the baseline: RTMP and HTTP-FLV on the given ports, its logger
// silenced (its forced debug logging would cost CPU the comparison should not count).
const require = createRequire(import.meta.url);
const logger = require("node-media-server/src/core/logger.js") as {
  log: (m: string, l?: string) => void;
};
logger.log = () => undefined;
const NodeMediaServer = require("node-media-server") as new (
  config: Record<string, unknown>,
) => { run(): void };
const nms = new NodeMediaServer({
  bind: "127.0.0.1",
  rtmp: { port: Number(process.env.BENCH_RTMP_PORT) },
  http: { port: Number(process.env.BENCH_HTTP_PORT) },
  webadmin: { enable: false },
  record: { auto: false },
  auth: { play: false, publish: false },
  store: { path: process.env.BENCH_STORE ?? "/tmp" },
});
nms.run();
setTimeout(() => process.stdout.write("ready\n"), 300);
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));
