import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import { LOG_STREAM, LOG_SUBJECT, serviceNatsPermissions } from "@vis/grants/log";
import { Outcome } from "@vis/proto/vis/access/v1/decision_pb";
import { makeTempDir, type NatsUser, repoRoot, runToExit, startNats } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthzHub, lawfulRequest, seedRegistry, startAuthzHub } from "./authorizer-fixture.ts";
import { serviceEntry } from "./hub-fixture.ts";

// Per-service NATS users: the registration log is provisioned by the admin credential, and no
// service credential can update, purge, delete or forge it. The server itself refuses.
const USERS: NatsUser[] = [
  { user: "admin", password: "admin-secret" },
  {
    user: "authorizer",
    password: "authz-secret",
    permissions: serviceNatsPermissions("authorizer"),
  },
  {
    user: "registry",
    password: "registry-secret",
    permissions: serviceNatsPermissions("registry"),
  },
];
const provisionEntry = join(repoRoot(), "services", "authorizer", "src", "provision.ts");

let hub: AuthzHub;
const conns: NatsConnection[] = [];
const as = async (user: string, password: string) => {
  const nc = await connect({ servers: hub.nats.url, user, pass: password, timeout: 5000 });
  conns.push(nc);
  return nc;
};

beforeAll(async () => {
  hub = await startAuthzHub({
    users: USERS,
    beforeServices: async (nats) => {
      const r = await runToExit({
        entry: provisionEntry,
        env: { VIS_NATS_URL: nats.url, VIS_NATS_USER: "admin", VIS_NATS_PASSWORD: "admin-secret" },
      });
      expect(r.stdout).toContain('"provisioned"');
      expect(r.code).toBe(0);
    },
    authorizerEnv: { VIS_NATS_USER: "authorizer", VIS_NATS_PASSWORD: "authz-secret" },
    registryEnv: { VIS_NATS_USER: "registry", VIS_NATS_PASSWORD: "registry-secret" },
  });
  await seedRegistry(hub);
});
afterAll(async () => {
  await Promise.allSettled(conns.map((c) => c.close()));
  await hub?.stop();
});

/** Resolves to "refused" when the server (or the client's permission check) refuses the call. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "done";
  } catch (err) {
    return /permission/i.test(String((err as Error)?.message ?? err))
      ? "refused"
      : `error: ${String(err)}`;
  }
}

describe("registration log: no service credential can shorten or rewrite it", () => {
  it("services run with their own credentials; decisions are logged", async () => {
    const { decision } = await hub.access.requestAccess(lawfulRequest());
    expect(decision?.outcome).toBe(Outcome.GRANTED);
    const jsm = await jetstreamManager(await as("admin", "admin-secret"));
    const info = await jsm.streams.info(LOG_STREAM);
    expect(info.state.messages).toBeGreaterThanOrEqual(1);
    expect(info.config).toMatchObject({ deny_delete: true, deny_purge: true, discard: "new" });
  });

  it.each(["authorizer", "registry"])(
    "the %s credential cannot update, purge, delete the stream or delete a message",
    async (user) => {
      const nc = await as(user, USERS.find((u) => u.user === user)?.password ?? "");
      const jsm = await jetstreamManager(nc, { timeout: 2000 });
      const admin = await jetstreamManager(await as("admin", "admin-secret"));
      const before = await admin.streams.info(LOG_STREAM);
      expect(await outcome(jsm.streams.update(LOG_STREAM, { max_age: nanos(1000) }))).toBe(
        "refused",
      );
      expect(await outcome(jsm.streams.purge(LOG_STREAM))).toBe("refused");
      expect(await outcome(jsm.streams.deleteMessage(LOG_STREAM, 1))).toBe("refused");
      expect(await outcome(jsm.streams.delete(LOG_STREAM))).toBe("refused");
      const after = await admin.streams.info(LOG_STREAM);
      expect(after.config.max_age).toBe(before.config.max_age);
      expect(after.state.first_seq).toBe(1);
      expect(after.state.messages).toBeGreaterThanOrEqual(before.state.messages);
    },
  );

  it("the same update by the admin credential goes through (the refusal above is the permission)", async () => {
    const admin = await jetstreamManager(await as("admin", "admin-secret"));
    const info = await admin.streams.update(LOG_STREAM, {
      description: "registration log (Art. 21, 22, 25)",
    });
    expect(info.config.description).toContain("Art. 21");
  });

  it("only the authorizer may append: the registry credential cannot forge an entry", async () => {
    const admin = await jetstreamManager(await as("admin", "admin-secret"));
    const before = (await admin.streams.info(LOG_STREAM)).state.messages;
    const nc = await as("registry", "registry-secret");
    const { jetstream } = await import("@nats-io/jetstream");
    const js = jetstream(nc, { timeout: 2000 });
    expect(await outcome(js.publish(LOG_SUBJECT, new Uint8Array([1, 2, 3])))).toBe("refused");
    expect((await admin.streams.info(LOG_STREAM)).state.messages).toBe(before);
  });

  it("an authorizer with a credential refuses to start on an unprovisioned server, naming the step", async () => {
    const nats = await startNats({ users: USERS });
    try {
      const r = await runToExit({
        entry: serviceEntry("authorizer"),
        env: {
          VIS_NATS_URL: nats.url,
          VIS_NATS_USER: "authorizer",
          VIS_NATS_PASSWORD: "authz-secret",
          VIS_REDIS_URL: hub.redis.url,
          VIS_GRPC_PORT: "0",
          VIS_METRICS_PORT: "0",
          VIS_AUTHORIZER_KEY_FILE: join(makeTempDir("authz-keys"), "keys.json"),
        },
        timeoutMs: 60_000,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/VIS_ACCESS_LOG does not exist; run the provisioning step/);
    } finally {
      await nats.stop();
    }
  });
});
