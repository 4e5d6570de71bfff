import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import { publicJwks } from "@vis/grants";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import type { RpcServer } from "@vis/rpc";
import type { Authorizer } from "../authorizer.ts";
import type { KeyFile } from "../keys/key-file.ts";
import type { Projection } from "../state/projection.ts";

/** `vis.access.v1.Access` over gRPC: request shapes are validated by the rpc edge first. */
export function addAccessApi(
  rpc: RpcServer,
  az: Authorizer,
  deps: { keys: KeyFile; keyGraceMs: number; projection: Projection; onRotated: () => void },
): void {
  rpc.add(Access, {
    requestAccess: async (req) => ({ decision: await az.requestAccess(req) }),
    getDecision: async (req) => ({ decision: await az.getDecision(req.requestId) }),
    approve: async (req) => {
      if (req.approver === undefined)
        throw new VisError("invalid_argument", "approver: required", { field: "approver" });
      return {
        decision: await az.approve({
          requestId: req.requestId,
          approver: req.approver,
          approve: req.approve,
          document: req.document,
          note: req.note,
          jurisdiction: req.jurisdiction,
        }),
      };
    },
    revoke: async (req) => {
      const r = await az.revoke({
        grantId: req.grantId,
        by: req.by,
        person: req.person,
        reason: req.reason,
        jurisdiction: req.jurisdiction,
      });
      return { grantId: req.grantId, revokedNow: r.revokedNow, logIndex: BigInt(r.logIndex) };
    },
    refreshGrant: async (req) => ({ grant: await az.refresh(req.grantId) }),
    checkPlay: async (req) => {
      const w = req.window;
      const r = await az.checkPlay({
        token: req.token,
        cameraId: req.cameraId,
        mode: req.mode,
        action: req.action,
        window:
          w?.from !== undefined && w.to !== undefined
            ? {
                from: Math.floor(timestampMs(w.from) / 1000),
                to: Math.ceil(timestampMs(w.to) / 1000),
              }
            : undefined,
        openSessions: req.openSessions,
      });
      return {
        allowed: r.allowed,
        reason: r.reason,
        article: r.article,
        message: r.message,
        grantId: r.grantId,
        ...(r.endsAt > 0 ? { grantEndsAt: timestampFromMs(r.endsAt) } : {}),
        maxSessions: r.maxSessions,
      };
    },
    recordSession: async (req) => {
      if (req.session === undefined)
        throw new VisError("invalid_argument", "session: required", { field: "session" });
      return { logIndex: BigInt(await az.recordSession(req.session)) };
    },
    recordExport: async (req) => {
      if (req.exported === undefined)
        throw new VisError("invalid_argument", "exported: required", { field: "exported" });
      return { logIndex: BigInt(await az.recordExport(req.exported)) };
    },
    review: async (req) => {
      if (req.review === undefined)
        throw new VisError("invalid_argument", "review: required", { field: "review" });
      return { logIndex: BigInt(await az.review(req.review)) };
    },
    getJwks: async () => ({ jwksJson: JSON.stringify(publicJwks(deps.keys.current)) }),
    rotateSigningKey: async () => {
      const ring = await deps.keys.rotate(deps.keyGraceMs);
      deps.onRotated();
      return { kid: ring.keys[0]?.kid ?? "" };
    },
    listRevocations: async () => ({
      grants: (await deps.projection.revocations(Date.now())).map((r) => ({
        grantId: r.grantId,
        grantEndsAt: timestampFromMs(r.endsAt),
      })),
    }),
  });
}
