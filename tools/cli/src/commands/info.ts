import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Admin, DependencyState, type GetInfoResponse } from "@vis/proto/vis/ops/v1/admin_pb";
import { createRpcClient } from "@vis/rpc";

export interface InfoView {
  service: string;
  instanceId: string;
  version: string;
  startedAt: string;
  pid: number;
  grpcAddress: string;
  metricsUrl: string;
  dependencies: { name: string; target: string; state: string; since: string }[];
}

export async function fetchInfo(address: string, deadlineMs: number): Promise<InfoView> {
  const client = createRpcClient(Admin, { address, deadlineMs });
  try {
    return toView(await client.getInfo({}));
  } finally {
    client.close();
  }
}

function toView(r: GetInfoResponse): InfoView {
  return {
    service: r.service,
    instanceId: r.instanceId,
    version: r.version,
    startedAt: r.startedAt ? timestampDate(r.startedAt).toISOString() : "",
    pid: r.pid,
    grpcAddress: r.grpcAddress,
    metricsUrl: r.metricsUrl,
    dependencies: r.dependencies.map((d) => ({
      name: d.name,
      target: d.target,
      state: (DependencyState[d.state] ?? "UNSPECIFIED").toLowerCase(),
      since: d.since ? timestampDate(d.since).toISOString() : "",
    })),
  };
}

export function infoText(v: InfoView): string {
  const lines = [
    `service   ${v.service} ${v.version}`,
    `instance  ${v.instanceId} (pid ${v.pid}, since ${v.startedAt})`,
    `grpc      ${v.grpcAddress}`,
    `metrics   ${v.metricsUrl}`,
    ...v.dependencies.map((d) => `${d.name.padEnd(9)} ${d.state} ${d.target} (since ${d.since})`),
  ];
  return lines.join("\n");
}
