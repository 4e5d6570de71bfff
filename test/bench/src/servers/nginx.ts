import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/** A throw-away nginx config: one worker, RTMP `live` application on `rtmpPort`, no HTTP. */
export function writeNginxConf(dir: string, rtmpPort: number): string {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    [
      `load_module ${NGINX_RTMP_MODULE};`,
      "daemon off;",
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "logs", "error.log")} warn;`,
      "events { worker_connections 4096; }",
      "rtmp {",
      "  server {",
      `    listen 127.0.0.1:${rtmpPort};`,
      "    chunk_size 4096;",
      "    application live { live on; record off; }",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  return conf;
}
