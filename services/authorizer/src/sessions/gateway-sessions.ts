import { create, fromBinary } from "@bufbuild/protobuf";
import type { Bus, ConsumerHandle } from "@vis/bus";
import { VisError } from "@vis/errors";
import { SessionPhase, SessionSchema } from "@vis/proto/vis/access/v1/log_pb";
import {
  type SessionEnded,
  SessionEndedSchema,
  SessionEndReason,
  SessionStartedSchema,
} from "@vis/proto/vis/gateway/v1/events_pb";
import type { Logger } from "@vis/telemetry";
import type { Authorizer } from "../authorizer.ts";
import { attachWhenReady } from "./attach.ts";

export const GATEWAY_STREAM_NAME = "VIS_GATEWAY";
const DURABLE = "authorizer-gateway-sessions";

/**
 * Registers the gateways' stream sessions (Art. 25(3)): `vis.gateway.session.started|ended` from
 * VIS_GATEWAY become `session` entries of the registration log (id `ses-<session>-<phase>`, the
 * same id RecordSession uses, so a session reported both ways is registered once). Attaches in the
 * background while no gateway has created the stream yet.
 */
export async function registerGatewaySessions(
  bus: Bus,
  az: Authorizer,
  logger: Logger,
  stopping: AbortSignal,
): Promise<() => Promise<void>> {
  let handle: ConsumerHandle | undefined;
  const attach = async () => {
    handle = await bus.consume(
      { stream: GATEWAY_STREAM_NAME, filterSubject: "vis.gateway.session.*" },
      {
        durable: DURABLE,
        handler: async (data, info) => {
          const ended = info.subject.endsWith(".ended");
          const e = ended
            ? fromBinary(SessionEndedSchema, data)
            : fromBinary(SessionStartedSchema, data);
          const s = e.session;
          if (s === undefined) return;
          const end = ended ? (e as SessionEnded) : undefined;
          try {
            await az.recordSession(
              create(SessionSchema, {
                sessionId: s.sessionId,
                grantId: s.grantId,
                cameraId: s.cameraId,
                viewer: s.viewer,
                agencyId: s.agencyId,
                phase: ended ? SessionPhase.END : SessionPhase.START,
                bytes: end?.bytes ?? 0n,
                endReason:
                  end === undefined ? "" : (SessionEndReason[end.reason] ?? "").toLowerCase(),
              }),
            );
          } catch (err) {
            // A session under a grant this log does not know cannot be registered: keep it visible.
            if (err instanceof VisError && err.code === "not_found") {
              logger.error(
                { err, session: s.sessionId, grant: s.grantId },
                "gateway session under an unknown grant",
              );
              return;
            }
            throw err;
          }
        },
      },
    );
    logger.info({ event: "gateway_sessions_attached" }, "registering gateway sessions");
  };
  await attachWhenReady(attach, () => handle !== undefined, stopping);
  return async () => {
    await handle?.stop();
  };
}
