import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import { CHECKPOINT_STREAM, CHECKPOINT_SUBJECT, LOG_STREAM, LOG_SUBJECT } from "@vis/grants/log";

const DAY_MS = 86_400_000;
/** Appends retried inside this window are stored once (Nats-Msg-Id). */
export const LOG_DUPLICATE_WINDOW_MS = 10 * 60_000;

/** The registration log and its checkpoints: append-only JetStream streams. */
export function logStreamConfigs(maxAgeDays: number): (Partial<StreamConfig> & { name: string })[] {
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: maxAgeDays === 0 ? 0 : nanos(maxAgeDays * DAY_MS),
    duplicate_window: nanos(LOG_DUPLICATE_WINDOW_MS),
    discard: DiscardPolicy.New,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    num_replicas: 1,
  };
  return [
    { ...common, name: LOG_STREAM, subjects: [LOG_SUBJECT] },
    { ...common, name: CHECKPOINT_STREAM, subjects: [CHECKPOINT_SUBJECT] },
  ];
}

/**
 * The provisioning step (admin credential): creates the two streams when missing. An existing
 * stream is never updated here — it is only checked.
 */
export async function provisionLogStreams(
  jsm: JetStreamManager,
  maxAgeDays: number,
  minDays: number,
): Promise<string[]> {
  const created: string[] = [];
  for (const config of logStreamConfigs(maxAgeDays)) {
    const exists = await jsm.streams.info(config.name).then(
      () => true,
      (err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === 10059) return false;
        throw err;
      },
    );
    if (!exists) {
      await jsm.streams.add(config);
      created.push(config.name);
    }
  }
  await checkLogStreams(jsm, minDays);
  return created;
}

/**
 * Refuses to run on a log stream that could lose records: it must exist (provisioned), deny
 * delete and purge, discard new, and keep messages at least `minDays` (0 = forever).
 */
export async function checkLogStreams(jsm: JetStreamManager, minDays: number): Promise<void> {
  for (const name of [LOG_STREAM, CHECKPOINT_STREAM]) {
    const info = await jsm.streams.info(name).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === 10059) {
        throw new VisError(
          "failed_precondition",
          `stream ${name} does not exist; run the provisioning step (vis log provision) with the admin credential`,
          { field: "nats", article: "Art. 21(1)" },
        );
      }
      throw err;
    });
    const c = info.config;
    const ageOk = c.max_age === 0 || c.max_age >= nanos(minDays * DAY_MS);
    const problems = [
      c.deny_delete ? "" : "deny_delete is off",
      c.deny_purge ? "" : "deny_purge is off",
      c.discard === DiscardPolicy.New ? "" : "discard is not new",
      ageOk ? "" : `max_age is below ${minDays} days`,
      c.max_msgs === -1 || c.max_msgs === undefined ? "" : "max_msgs is limited",
      c.max_bytes === -1 || c.max_bytes === undefined ? "" : "max_bytes is limited",
    ].filter((p) => p !== "");
    if (problems.length > 0) {
      throw new VisError(
        "failed_precondition",
        `stream ${name} could lose records: ${problems.join(", ")}`,
        {
          field: "nats",
          article: "Art. 22(3)",
        },
      );
    }
  }
}
