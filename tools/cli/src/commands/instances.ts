import { timestampDate } from "@bufbuild/protobuf/wkt";
import { HealthMonitor, InstanceState } from "@vis/proto/vis/health/v1/monitor_pb";
import { createRpcClient } from "@vis/rpc";
import { table } from "../output.ts";

export interface InstanceView {
  service: string;
  instanceId: string;
  version: string;
  state: string;
  grpcAddress: string;
  startedAt: string;
  lastSeen: string;
  traceId: string;
}

export async function fetchInstances(
  address: string,
  service: string,
  deadlineMs: number,
): Promise<InstanceView[]> {
  const client = createRpcClient(HealthMonitor, { address, deadlineMs });
  try {
    const res = await client.listInstances({ service });
    return res.instances.map((i) => ({
      service: i.service,
      instanceId: i.instanceId,
      version: i.version,
      state: (InstanceState[i.state] ?? "UNSPECIFIED").toLowerCase(),
      grpcAddress: i.grpcAddress,
      startedAt: i.startedAt ? timestampDate(i.startedAt).toISOString() : "",
      lastSeen: i.lastSeen ? timestampDate(i.lastSeen).toISOString() : "",
      traceId: i.traceId,
    }));
  } finally {
    client.close();
  }
}

export function instancesText(rows: readonly InstanceView[]): string {
  if (rows.length === 0) return "no instances announced yet";
  return table(
    ["SERVICE", "STATE", "GRPC", "VERSION", "STARTED", "INSTANCE"],
    rows.map((r) => [r.service, r.state, r.grpcAddress, r.version, r.startedAt, r.instanceId]),
  );
}
