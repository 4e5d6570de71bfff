import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";

const HOUR = 3600_000;

/** Seconds of recording missing in the hour before `now`, from a camera's gaps. */
export function gapSecondsInLastHour(
  gaps: readonly { fromMs: number; toMs: number }[],
  now: number,
): number {
  let ms = 0;
  for (const g of gaps) ms += Math.max(0, Math.min(g.toMs, now) - Math.max(g.fromMs, now - HOUR));
  return Math.min(3600, Math.ceil(ms / 1000));
}

/**
 * Reports recording gaps to the health monitor as the camera's system's status report: the
 * `recording_gap_seconds` field means "missing in the last hour", so the reporter keeps each
 * camera's recent gaps and sends their sum; health decides when that is a fault.
 */
export class HealthGapReporter {
  readonly #client: RpcClient<typeof HealthMonitor>;
  readonly #gaps = new Map<string, { fromMs: number; toMs: number }[]>();

  constructor(address: string) {
    this.#client = createRpcClient(HealthMonitor, { address, deadlineMs: 5000 });
  }

  async report(systemId: string, camera: string, fromMs: number, toMs: number): Promise<number> {
    const list = (this.#gaps.get(camera) ?? []).filter((g) => g.toMs > toMs - HOUR);
    list.push({ fromMs, toMs });
    this.#gaps.set(camera, list);
    const seconds = gapSecondsInLastHour(list, toMs);
    await this.#client.reportStatus({
      systemId,
      reports: [
        {
          targetId: camera,
          recordingGapSeconds: seconds,
          reason: `recording gap ${new Date(fromMs).toISOString()} – ${new Date(toMs).toISOString()}`,
          observedAt: timestampFromMs(toMs),
        },
      ],
    });
    return seconds;
  }

  close(): void {
    this.#client.close();
  }
}
