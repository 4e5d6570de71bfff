import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { CHECKPOINT_STREAM, LOG_STREAM } from "@vis/grants/log";
import { provisionLogStreams } from "./log/streams.ts";
import { PROFILES } from "./profiles/index.ts";

// The provisioning step: with the ADMIN NATS credential, create the registration log and its
// checkpoint stream (append-only, discard new, no delete/purge). Services never hold a credential
// that can create, update, purge or delete them.
//   VIS_NATS_URL=nats://… VIS_NATS_USER=admin VIS_NATS_PASSWORD=… tsx services/authorizer/src/provision.ts
const env = process.env;
const url = env.VIS_NATS_URL ?? "nats://127.0.0.1:4222";
const profileId = env.VIS_AUTHORIZER_PROFILE ?? "changzhou-2014";
const profile = PROFILES[profileId];
const maxAgeDays = Number(env.VIS_AUTHORIZER_LOG_MAX_AGE_DAYS ?? "0");
try {
  if (profile === undefined)
    throw new VisError("invalid_argument", `unknown profile ${profileId}`, {
      field: "VIS_AUTHORIZER_PROFILE",
    });
  if (
    !(Number.isInteger(maxAgeDays) && (maxAgeDays === 0 || maxAgeDays >= profile.minRetentionDays))
  ) {
    throw new VisError(
      "invalid_argument",
      `VIS_AUTHORIZER_LOG_MAX_AGE_DAYS must be 0 or ≥ ${profile.minRetentionDays} (Art. 21(7))`,
      { field: "VIS_AUTHORIZER_LOG_MAX_AGE_DAYS" },
    );
  }
  const nc = await connect({
    servers: url,
    timeout: 5000,
    ...(env.VIS_NATS_USER ? { user: env.VIS_NATS_USER, pass: env.VIS_NATS_PASSWORD ?? "" } : {}),
  });
  const created = await provisionLogStreams(
    await jetstreamManager(nc),
    maxAgeDays,
    profile.minRetentionDays,
  );
  await nc.close();
  process.stdout.write(
    `${JSON.stringify({ msg: "provisioned", streams: [LOG_STREAM, CHECKPOINT_STREAM], created })}\n`,
  );
} catch (err) {
  const e = VisError.from(err, "unavailable");
  process.stderr.write(
    `provision: error ${e.code}: ${err instanceof Error ? err.message : e.message}\n`,
  );
  process.exit(1);
}
