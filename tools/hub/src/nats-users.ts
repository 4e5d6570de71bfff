import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { serviceNatsPermissions } from "@vis/grants/log";
import { type NatsUser, repoRoot, runToExit } from "@vis/test-harness";

/** One NATS user per service (random passwords for this run) and the admin that provisions. */
export function hubNatsUsers(services: readonly string[]): { admin: NatsUser; users: NatsUser[] } {
  const pw = () => randomBytes(18).toString("base64url");
  const admin: NatsUser = { user: "admin", password: pw() };
  const users = services.map((s) => ({
    user: s,
    password: pw(),
    permissions: serviceNatsPermissions(s),
  }));
  return { admin, users: [admin, ...users] };
}

/** The provisioning step: the admin credential creates the append-only registration-log streams. */
export async function provisionLog(natsUrl: string, admin: NatsUser): Promise<void> {
  const r = await runToExit({
    entry: join(repoRoot(), "services", "authorizer", "src", "provision.ts"),
    env: { VIS_NATS_URL: natsUrl, VIS_NATS_USER: admin.user, VIS_NATS_PASSWORD: admin.password },
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`provisioning the registration log failed: ${r.stderr.trim()}`);
}
