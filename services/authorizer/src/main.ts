import { resolve } from "node:path";
import { timestampFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { VisError } from "@vis/errors";
import { GrantIssuer, publicJwks } from "@vis/grants";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import { AccessLog } from "@vis/proto/vis/access/v1/audit_pb";
import { runService } from "@vis/runtime";
import pkg from "../package.json" with { type: "json" };
import { addAccessApi } from "./api/access-api.ts";
import { addAuditApi } from "./api/audit-api.ts";
import { Authorizer } from "./authorizer.ts";
import { authorizerConfig } from "./config.ts";
import { ACCESS_STREAM, grantRevoked } from "./events.ts";
import { RegistryFacts } from "./facts/registry-facts.ts";
import { KeyFile } from "./keys/key-file.ts";
import { Checkpointer } from "./log/checkpointer.ts";
import { LogFollower } from "./log/follower.ts";
import { checkLogStreams, provisionLogStreams } from "./log/streams.ts";
import { LogWriter } from "./log/writer.ts";
import { PROFILES } from "./profiles/index.ts";
import { registerArchiveFacts } from "./sessions/archive-facts.ts";
import { registerGatewaySessions } from "./sessions/gateway-sessions.ts";
import { Projection } from "./state/projection.ts";

// The authorizer: decides each access request against the rule profile (Art. 24–25), issues and
// revokes short-lived signed grants, and appends every act to the tamper-evident registration log.
await runService({
  name: "authorizer",
  version: pkg.version,
  config: authorizerConfig,
  streams: [ACCESS_STREAM],
  grpcServices: [Access.typeName, AccessLog.typeName],
  start: async ({ config, bus, store, rpc, logger, instanceId, stopping }) => {
    const c = config.authorizer;
    const profile = PROFILES[c.profile];
    if (profile === undefined) {
      throw new VisError(
        "invalid_argument",
        `authorizer.profile: unknown profile "${c.profile}" (known: ${Object.keys(PROFILES).join(", ")})`,
        { field: "authorizer.profile" },
      );
    }
    if (c.logMaxAgeDays !== 0 && c.logMaxAgeDays < profile.minRetentionDays) {
      throw new VisError(
        "invalid_argument",
        `authorizer.logMaxAgeDays: ${c.logMaxAgeDays} is below the legal minimum of ${profile.minRetentionDays} days (Art. 21(7))`,
        { field: "authorizer.logMaxAgeDays", article: "Art. 21(7)" },
      );
    }
    const nc = bus.connection;
    let manager: JetStreamManager | undefined;
    const jsm = async () => {
      manager ??= await jetstreamManager(nc, { timeout: c.appendTimeoutMs });
      return manager;
    };
    // Without a NATS credential (development) the authorizer provisions the log itself; with one,
    // the log must have been provisioned by the admin step and is only checked.
    if (config.nats.user === "")
      await provisionLogStreams(await jsm(), c.logMaxAgeDays, profile.minRetentionDays);
    else await checkLogStreams(await jsm(), profile.minRetentionDays);

    const keys = new KeyFile(resolve(c.keyFile));
    const issuer = new GrantIssuer(await keys.load((ring) => issuer.setRing(ring)));
    let jwks = publicJwks(keys.current);
    const refreshJwks = () => {
      issuer.setRing(keys.current);
      jwks = publicJwks(keys.current);
    };
    const jwksTimer = setInterval(() => {
      jwks = publicJwks(keys.current);
    }, 60_000);
    jwksTimer.unref();

    const js = jetstream(nc, { timeout: c.appendTimeoutMs });
    const projection = new Projection(store.redis);
    const writer = new LogWriter(js, jsm, instanceId, { timeoutMs: c.appendTimeoutMs });
    const follower = new LogFollower(js, projection, logger);
    await follower.start();
    const checkpointer = new Checkpointer(js, follower, () => keys.current, logger);
    await checkpointer.start(c.checkpointEveryMs);

    const facts = new RegistryFacts(store.redis, profile.minRetentionDays, logger);
    const az = new Authorizer({
      profile,
      facts,
      projection,
      append: (id, body) => writer.append(id, body),
      issuer: () => issuer,
      jwks: () => jwks,
      announceRevocation: async (r) => {
        await bus.publish(grantRevoked, {
          meta: {
            id: `rev-${r.grantId}`,
            time: timestampNow(),
            actor: { service: "authorizer" },
            sourceInstance: instanceId,
          },
          grantId: r.grantId,
          by: r.by,
          reason: r.reason,
          grantEndsAt: timestampFromMs(r.endsAt),
          logIndex: BigInt(r.logIndex),
        });
      },
    });
    await facts.start(
      bus,
      async (cams, why) => {
        const n = await az.onFactsChanged(cams, why);
        if (n > 0)
          logger.info(
            { event: "grants_revoked_by_registry", cameras: cams, revoked: n, why },
            "registry change revoked grants",
          );
      },
      stopping,
    );

    const stopSessions = await registerGatewaySessions(bus, az, logger, stopping);
    const stopArchive = await registerArchiveFacts(bus, az, logger, stopping);

    addAccessApi(rpc, az, { keys, keyGraceMs: c.keyGraceMs, projection, onRotated: refreshJwks });
    addAuditApi(rpc, { js, jsm, follower, checkpointer, projection });

    let sweeping = false;
    const sweep = setInterval(() => {
      if (sweeping || stopping.aborted) return;
      sweeping = true;
      az.sweepExpired()
        .catch((err: unknown) => logger.warn({ err }, "expiry sweep failed"))
        .finally(() => {
          sweeping = false;
        });
    }, c.expirySweepMs);
    sweep.unref();
    logger.info(
      { event: "authorizer_started", profile: profile.id, logSize: follower.tree.size },
      "authorizer started",
    );

    return async () => {
      clearInterval(sweep);
      clearInterval(jwksTimer);
      keys.close();
      await Promise.allSettled([
        checkpointer.stop(),
        follower.stop(),
        facts.stop(),
        stopSessions(),
        stopArchive(),
      ]);
    };
  },
});
