import { VisError } from "@vis/errors";

export const SERVICES = ["registry", "authorizer", "gateway", "health"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Where the hub runner puts each service by default (docs/decisions/0001-foundation.md). */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  registry: 7101,
  authorizer: 7102,
  gateway: 7103,
  health: 7104,
};

const ADDRESS = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/**
 * Resolves a service name or a literal `host:port`. Names use `--<service> host:port`, then
 * `VIS_<SERVICE>_ADDR`, then the hub runner's default port on 127.0.0.1.
 */
export function resolveTarget(
  target: string,
  flags: ReadonlyMap<string, string | true>,
  env: Readonly<Record<string, string | undefined>>,
): { service: string; address: string } {
  if ((SERVICES as readonly string[]).includes(target)) {
    const name = target as ServiceName;
    const flag = flags.get(name);
    const address =
      (typeof flag === "string" ? flag : undefined) ??
      env[`VIS_${name.toUpperCase()}_ADDR`] ??
      `127.0.0.1:${DEFAULT_PORTS[name]}`;
    checkAddress(address, `--${name}`);
    return { service: name, address };
  }
  if (ADDRESS.test(target)) return { service: target, address: target };
  throw new VisError(
    "invalid_argument",
    `unknown target "${target}": use one of ${SERVICES.join(", ")} or host:port`,
    { field: "target" },
  );
}

function checkAddress(address: string, field: string): void {
  if (!ADDRESS.test(address)) {
    throw new VisError("invalid_argument", `${field} must be host:port, got "${address}"`, {
      field,
    });
  }
}
