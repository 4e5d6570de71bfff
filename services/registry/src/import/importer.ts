import { createHash, randomBytes } from "node:crypto";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { createValidator, type Validator } from "@bufbuild/protovalidate";
import { VisError } from "@vis/errors";
import {
  type Camera,
  CameraSchema,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import {
  BatchState,
  type ImportBatch,
  ImportBatchSchema,
} from "@vis/proto/vis/registry/v1/record_pb";
import {
  ImportEntity,
  ImportFormat,
  ImportMode,
  type ImportRequest,
  type RowError,
  RowErrorSchema,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { type Deps, meta } from "../api/context.ts";
import { prepareSystem } from "../api/systems.ts";
import { checkCamera } from "../domain/rules.ts";
import { type Kind, recordEntity } from "../record/kinds.ts";
import { newRecord, type RecordStore } from "../record/record-store.ts";
import { parseCsv } from "./csv.ts";
import { cameraFromRow, type Row, systemFromRow } from "./rows.ts";

export const MAX_ROWS = 5000;
/** A batch is stored as one JetStream message; stay under the server's 1 MB default payload. */
const MAX_BATCH_BYTES = 900_000;
const WRITE_CONCURRENCY = 256;

let validator: Validator | undefined;

/**
 * Imports systems or cameras. Every row is parsed and checked (protovalidate rules, the articles,
 * references, duplicates) before anything is written. The accepted rows are then stored as ONE
 * batch message — the commit point — and only then written to their buckets; a registry that dies
 * in between finishes the batch at its next start. So a batch is all there or not there.
 */
export async function importRows(deps: Deps, req: ImportRequest) {
  const batchId = req.batchId || `imp-${randomBytes(8).toString("hex")}`;
  const kind: Kind = req.entity === ImportEntity.SYSTEM ? "system" : "camera";
  const previous = await deps.records.getBatch(batchId);
  if (previous) return finished(deps, previous.batch, previous.revision, req.dryRun);

  const rows = parseRows(req);
  if (rows.length > MAX_ROWS)
    throw new VisError(
      "invalid_argument",
      `data: ${rows.length} rows; at most ${MAX_ROWS} per request`,
      { field: "data" },
    );
  const errors: RowError[] = [];
  const accepted: { row: number; entity: Camera | VideoSystem }[] = [];
  const cached = cachedRecords(deps.records);
  const seen = new Set<string>();
  const checked = await Promise.all(
    rows.map(async (row, i) => {
      try {
        const entity = kind === "camera" ? cameraFromRow(row) : systemFromRow(row);
        const explicit = entity.id !== "";
        if (!explicit) entity.id = rowId(kind, batchId, i + 1);
        validate(kind === "camera" ? CameraSchema : VideoSystemSchema, entity, kind);
        if (kind === "camera")
          checkCamera(
            entity as Camera,
            (await cached.get("system", (entity as Camera).systemId))?.entity,
          );
        else await prepareSystem({ ...deps, records: cached }, entity as VideoSystem);
        if (explicit && (await deps.records.get(kind, entity.id)))
          throw new VisError("already_exists", `${kind} "${entity.id}" already exists`, {
            field: "id",
          });
        return { entity };
      } catch (err) {
        return { err: VisError.from(err) };
      }
    }),
  );
  checked.forEach((c, i) => {
    if ("err" in c && c.err) {
      errors.push(rowError(i + 1, c.err));
    } else if ("entity" in c && c.entity) {
      if (seen.has(c.entity.id))
        errors.push(
          rowError(
            i + 1,
            new VisError("already_exists", `id "${c.entity.id}" appears twice in this batch`, {
              field: "id",
            }),
          ),
        );
      else {
        seen.add(c.entity.id);
        accepted.push({ row: i + 1, entity: c.entity });
      }
    }
  });
  const allOrNothing = req.mode !== ImportMode.PER_ROW;
  const base = { batchId, rows: rows.length, errors, dryRun: req.dryRun };
  if (req.dryRun || (allOrNothing && errors.length > 0) || accepted.length === 0)
    return { ...base, written: 0, ids: req.dryRun ? accepted.map((a) => a.entity.id) : [] };

  const batch = create(ImportBatchSchema, {
    batchId,
    entity: req.entity,
    state: BatchState.COMMITTED,
    meta: meta(req.actor),
    ...(kind === "camera"
      ? { cameras: accepted.map((a) => a.entity as Camera) }
      : { systems: accepted.map((a) => a.entity as VideoSystem) }),
  });
  const size = toBinary(ImportBatchSchema, batch).byteLength;
  if (size > MAX_BATCH_BYTES)
    throw new VisError(
      "invalid_argument",
      `data: the batch encodes to ${size} bytes; split it (at most ${MAX_BATCH_BYTES})`,
      {
        field: "data",
      },
    );
  const revision = await deps.records.putBatch(batch);
  const out = await finished(deps, batch, revision, false);
  return { ...out, rows: rows.length, errors };
}

/** Batches this process is applying right now (the background finisher leaves them alone). */
const applying = new Set<string>();

/** Writes a committed batch's rows (idempotently), marks it applied, waits for the projection. */
async function finished(
  deps: Deps,
  batch: ImportBatch,
  revision: number,
  dryRun: boolean,
  wait = true,
) {
  const kind: Kind = batch.entity === ImportEntity.SYSTEM ? "system" : "camera";
  if (batch.state === BatchState.COMMITTED) {
    applying.add(batch.batchId);
    try {
      const last = await applyBatch(deps.records, batch);
      await deps.records
        .putBatch(create(ImportBatchSchema, { ...batch, state: BatchState.APPLIED }), revision)
        .catch(async (err: unknown) => {
          // Another finisher marked it first: fine once it says applied.
          if ((await deps.records.getBatch(batch.batchId))?.batch.state !== BatchState.APPLIED)
            throw err;
        });
      if (wait) await deps.projector.waitFor(kind, last, 60_000);
    } finally {
      applying.delete(batch.batchId);
    }
  }
  const ids = kind === "camera" ? batch.cameras.map((c) => c.id) : batch.systems.map((s) => s.id);
  return { batchId: batch.batchId, rows: ids.length, written: ids.length, errors: [], ids, dryRun };
}

/** Writes every row of a batch to its bucket; rows already written by this batch are skipped. Returns the last revision. */
export async function applyBatch(records: RecordStore, batch: ImportBatch): Promise<number> {
  const kind: Kind = batch.entity === ImportEntity.SYSTEM ? "system" : "camera";
  const entities: (Camera | VideoSystem)[] = kind === "camera" ? batch.cameras : batch.systems;
  const time = timestampNow();
  let last = 0;
  for (let i = 0; i < entities.length; i += WRITE_CONCURRENCY) {
    const revs = await Promise.all(
      entities.slice(i, i + WRITE_CONCURRENCY).map((e) => {
        const entity = create(
          (kind === "camera" ? CameraSchema : VideoSystemSchema) as typeof CameraSchema,
          {
            ...(e as Camera),
            createdAt: time,
            updatedAt: time,
          },
        );
        const record = newRecord({
          event: "created",
          meta: {
            id: `${batch.batchId}:${e.id}`,
            time: batch.meta?.time,
            actor: batch.meta?.actor,
          },
          batchId: batch.batchId,
          entity: recordEntity(kind, entity as never),
        });
        return records.create(kind, e.id, record);
      }),
    );
    last = Math.max(last, ...revs);
  }
  return last;
}

/** Finishes batches a previous run committed but did not apply (called at start). */
export async function finishPendingBatches(deps: Deps): Promise<number> {
  const pending = (await deps.records.pendingBatches()).filter((id) => !applying.has(id));
  for (const id of pending) {
    const b = await deps.records.getBatch(id);
    if (b) await finished(deps, b.batch, b.revision, false, false);
  }
  return pending.length;
}

/**
 * Finishes committed batches whose writing was cut short (NATS lost mid-batch, a crash): at start
 * and then every `everyMs` until `signal` aborts.
 */
export function startBatchFinisher(
  deps: Deps,
  everyMs: number,
  signal: AbortSignal,
  onError: (err: unknown) => void,
) {
  let running = false;
  const tick = () => {
    if (running || signal.aborted) return;
    running = true;
    finishPendingBatches(deps)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, everyMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

function parseRows(req: ImportRequest): Row[] {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(req.data);
  if (req.format === ImportFormat.CSV) return parseCsv(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new VisError("invalid_argument", `data: not JSON (${(err as Error).message})`, {
      field: "data",
    });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.some((r) => r === null || typeof r !== "object" || Array.isArray(r))
  )
    throw new VisError("invalid_argument", "data: JSON must be an array of objects", {
      field: "data",
    });
  return parsed as Row[];
}

/** Server-chosen ids of imported rows depend only on batch and row, so a replay yields the same ids. */
function rowId(kind: Kind, batchId: string, row: number): string {
  const h = createHash("sha256").update(`${batchId}:${row}`).digest("hex").slice(0, 16);
  return `${kind === "camera" ? "cam" : "sys"}-${h}`;
}

function validate(schema: DescMessage, value: Camera | VideoSystem, kind: Kind): void {
  validator ??= createValidator();
  const r = validator.validate(schema, value as never);
  if (r.kind === "valid") return;
  if (r.kind === "error") throw new VisError("internal", "internal error", { cause: r.error });
  const v = r.violations[0];
  const path = v ? pathToString(v.field) : "";
  throw new VisError(
    "invalid_argument",
    r.violations.map((x) => `${kind}.${pathToString(x.field)}: ${x.message}`).join("; "),
    {
      field: `${kind}.${path}`,
    },
  );
}

function rowError(row: number, err: VisError): RowError {
  return create(RowErrorSchema, {
    row,
    code: err.code,
    field: err.field ?? "",
    article: err.article ?? "",
    message: err.message,
  });
}

/** The record store with memoised reads, for the many rows of one batch that share a system or agency. */
function cachedRecords(records: RecordStore): RecordStore {
  const memo = new Map<string, Promise<unknown>>();
  const wrapper = Object.create(records) as RecordStore;
  wrapper.get = ((kind: Kind, id: string) => {
    const k = `${kind}:${id}`;
    let p = memo.get(k);
    if (!p) {
      p = records.get(kind, id);
      memo.set(k, p);
    }
    return p;
  }) as RecordStore["get"];
  return wrapper;
}
