import { create } from "@bufbuild/protobuf";
import type { Bus, ConsumerHandle } from "@vis/bus";
import { ExportedSchema } from "@vis/proto/vis/access/v1/log_pb";
import { ExportCreatedSchema } from "@vis/proto/vis/archive/v1/events_pb";
import type { Logger } from "@vis/telemetry";
import type { Authorizer } from "../authorizer.ts";

export const ARCHIVE_STREAM_NAME = "VIS_ARCHIVE";
const DURABLE = "authorizer-archive-exports";

/**
 * Registers the archive's exports (copies, Art. 24–25): `vis.archive.export.created` becomes an
 * `exported` entry (id `exp-<export id>`, so a redelivered event is registered once). An export
 * under a grant that did not allow copying is still registered, and logged as an error.
 */
export async function registerArchiveExports(
  bus: Bus,
  az: Authorizer,
  logger: Logger,
  stopping: AbortSignal,
): Promise<() => Promise<void>> {
  let handle: ConsumerHandle | undefined;
  const attach = async () => {
    handle = await bus.consume(
      {
        stream: ARCHIVE_STREAM_NAME,
        filterSubject: "vis.archive.export.created",
        schema: ExportCreatedSchema,
      },
      {
        durable: DURABLE,
        handler: async (e) => {
          const r = await az.registerExport(
            e.exportId,
            create(ExportedSchema, {
              grantId: e.grantId,
              cameraId: e.cameraId,
              ...(e.window?.from !== undefined && e.window.to !== undefined
                ? { window: { from: e.window.from, to: e.window.to } }
                : {}),
              viewer: e.officers.join(","),
              sha256: e.clipSha256,
              bytes: e.clipBytes,
              agencyId: e.agencyId,
            }),
          );
          if (!r.allowed) {
            logger.error(
              { event: "export_not_allowed", export: e.exportId, grant: e.grantId, index: r.index },
              "an export under a grant that does not allow copying was registered",
            );
          }
        },
      },
    );
    logger.info({ event: "archive_exports_attached" }, "registering archive exports");
  };
  try {
    await attach();
  } catch {
    void (async () => {
      for (let a = 1; !stopping.aborted && handle === undefined; a++) {
        await new Promise((r) => setTimeout(r, Math.min(500 * a, 5000)));
        await attach().catch(() => undefined);
      }
    })();
  }
  return async () => {
    await handle?.stop();
  };
}
