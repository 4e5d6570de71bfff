import { VisError } from "@vis/errors";
import { ProbeProtocol, type ProbeTarget } from "@vis/proto/vis/health/v1/status_pb";

const SCHEMES: Record<number, readonly string[]> = {
  [ProbeProtocol.TCP]: ["tcp:", "rtmp:", "rtsp:", "http:", "https:"],
  [ProbeProtocol.RTMP]: ["rtmp:", "tcp:"],
  [ProbeProtocol.HTTP_FLV]: ["http:", "https:"],
  [ProbeProtocol.RTSP]: ["rtsp:", "tcp:"],
  [ProbeProtocol.PASSIVE]: [],
};

/**
 * Rules protovalidate cannot say: the URL fits the protocol and has a port where the scheme has no
 * default, the timeout is shorter than the cycle, maintenance windows end after they start.
 * Throws `invalid_argument` naming the field (`targets[2].url`).
 */
export function checkTarget(t: ProbeTarget, field: string, defaultCycleMs: number): void {
  const bad = (f: string, msg: string): never => {
    throw new VisError("invalid_argument", `${field}.${f}: ${msg}`, { field: `${field}.${f}` });
  };
  if (t.protocol === ProbeProtocol.PASSIVE) {
    if (t.url !== "") {
      try {
        new URL(t.url);
      } catch {
        bad("url", "is not a URL");
      }
    }
  } else {
    if (t.url === "") bad("url", "is required unless protocol is PASSIVE");
    let url: URL | undefined;
    try {
      url = new URL(t.url);
    } catch {
      bad("url", "is not a URL");
    }
    const allowed = SCHEMES[t.protocol] ?? [];
    if (url && !allowed.includes(url.protocol)) {
      bad("url", `scheme ${url.protocol} does not fit protocol ${ProbeProtocol[t.protocol]}`);
    }
    if (url && url.protocol === "tcp:" && url.port === "") bad("url", "tcp:// needs a port");
    if (url && url.hostname === "") bad("url", "needs a host");
  }
  const cycle = t.probe?.intervalSeconds ? t.probe.intervalSeconds * 1000 : defaultCycleMs;
  if (t.probe && t.probe.timeoutMs > 0 && t.probe.timeoutMs >= cycle) {
    bad("probe.timeout_ms", `must be shorter than the probe cycle (${cycle} ms)`);
  }
  t.maintenance.forEach((m, i) => {
    const s = m.start ? Number(m.start.seconds) : 0;
    const e = m.end ? Number(m.end.seconds) : 0;
    if (e <= s) bad(`maintenance[${i}].end`, "must be after start");
  });
}
