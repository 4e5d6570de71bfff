import { VisError } from "@vis/errors";
import { checkHealth } from "@vis/rpc";
import { table } from "../output.ts";
import { fetchInfo } from "./info.ts";

export interface StatusRow {
  service: string;
  address: string;
  health: string;
  version: string;
  instanceId: string;
  dependencies: string;
  error?: { code: string; message: string };
}

/** Health and identity of each service, asked in parallel; an unreachable one is a row, not a crash. */
export async function fetchStatus(
  targets: readonly { service: string; address: string }[],
  deadlineMs: number,
): Promise<StatusRow[]> {
  return Promise.all(
    targets.map(async ({ service, address }): Promise<StatusRow> => {
      try {
        const [health, info] = await Promise.all([
          checkHealth(address, "", { deadlineMs }),
          fetchInfo(address, deadlineMs),
        ]);
        return {
          service,
          address,
          health,
          version: info.version,
          instanceId: info.instanceId,
          dependencies: info.dependencies.map((d) => `${d.name}:${d.state}`).join(" "),
        };
      } catch (err) {
        const e = VisError.from(err, "unknown");
        return {
          service,
          address,
          health: "UNREACHABLE",
          version: "",
          instanceId: "",
          dependencies: "",
          error: { code: e.code, message: e.message },
        };
      }
    }),
  );
}

export function statusText(rows: readonly StatusRow[]): string {
  return table(
    ["SERVICE", "ADDRESS", "HEALTH", "VERSION", "DEPENDENCIES", "INSTANCE"],
    rows.map((r) => [
      r.service,
      r.address,
      r.health,
      r.version,
      r.error ? `${r.error.code}: ${r.error.message}` : r.dependencies,
      r.instanceId,
    ]),
  );
}
