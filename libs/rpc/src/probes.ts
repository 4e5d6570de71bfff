import type { ChannelCredentials } from "@grpc/grpc-js";
import { codeOfGrpcStatus, VisError } from "@vis/errors";
import { Health } from "@vis/proto/grpc/health/v1/health_pb";
import { ServerReflection } from "@vis/proto/grpc/reflection/v1/reflection_pb";
import { ServerReflection as ServerReflectionV1alpha } from "@vis/proto/grpc/reflection/v1alpha/reflection_pb";
import { createRpcClient, DEFAULT_DEADLINE_MS } from "./client.ts";
import { type ServingStatus, servingStatusName } from "./health.ts";

export interface ProbeOptions {
  deadlineMs?: number;
  credentials?: ChannelCredentials;
}

/**
 * Asks a server's standard health service about `service` (`""`: the server as a whole).
 * A service the server does not know answers SERVICE_UNKNOWN; an unreachable server rejects with
 * `unavailable`.
 */
export async function checkHealth(
  address: string,
  service = "",
  options: ProbeOptions = {},
): Promise<ServingStatus> {
  const client = createRpcClient(Health, { address, ...clientOptions(options) });
  try {
    return servingStatusName((await client.check({ service })).status);
  } catch (err) {
    if (err instanceof VisError && err.code === "not_found") return "SERVICE_UNKNOWN";
    throw err;
  } finally {
    client.close();
  }
}

/** Lists the services a server offers, through server reflection (v1, falling back to v1alpha). */
export async function listServices(address: string, options: ProbeOptions = {}): Promise<string[]> {
  try {
    return await listWith(ServerReflection, address, options);
  } catch (err) {
    if (!(err instanceof VisError) || err.code !== "unimplemented") throw err;
    return listWith(ServerReflectionV1alpha, address, options);
  }
}

async function listWith(
  service: typeof ServerReflection | typeof ServerReflectionV1alpha,
  address: string,
  options: ProbeOptions,
): Promise<string[]> {
  const client = createRpcClient(service, { address, ...clientOptions(options) });
  try {
    const request = { messageRequest: { case: "listServices" as const, value: "" } };
    for await (const res of client.serverReflectionInfo(once(request))) {
      const r = res.messageResponse;
      if (r.case === "listServicesResponse") return r.value.service.map((s) => s.name).sort();
      if (r.case === "errorResponse") {
        throw new VisError(codeOfGrpcStatus(r.value.errorCode), r.value.errorMessage);
      }
    }
    throw new VisError("unknown", `${address}: reflection answered nothing`);
  } finally {
    client.close();
  }
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

function clientOptions(options: ProbeOptions) {
  return {
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}
