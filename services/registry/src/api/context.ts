import { randomBytes, randomUUID } from "node:crypto";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { VisError } from "@vis/errors";
import type { Actor } from "@vis/proto/vis/common/v1/event_pb";
import type { Clock } from "../domain/dates.ts";
import type { Projector } from "../projection/projector.ts";
import type { Queries } from "../projection/queries.ts";
import { type EntityOf, ID_PREFIX, type Kind, publicForm, recordEntity } from "../record/kinds.ts";
import { newRecord, type RecordStore } from "../record/record-store.ts";

/** Everything the API needs, wired once in main.ts. */
export interface Deps {
  readonly records: RecordStore;
  readonly queries: Queries;
  readonly projector: Projector;
  readonly clock: Clock;
  /** How long a write waits for its projection before answering anyway (it is durable already). */
  readonly projectionWaitMs: number;
}

export const newId = (kind: Kind) => `${ID_PREFIX[kind]}-${randomBytes(8).toString("hex")}`;

export function meta(actor: Actor | undefined) {
  return { id: randomUUID(), time: timestampNow(), actor: actor ?? { service: "registry" } };
}

/**
 * Writes one entity to the durable record (create when `expected` is undefined, else an update
 * at that version), waits briefly for the projection, and returns its public form.
 */
export async function writeEntity<K extends Kind>(
  deps: Deps,
  kind: K,
  entity: EntityOf[K],
  event: string,
  actor: Actor | undefined,
  expected?: number,
): Promise<EntityOf[K]> {
  const now = timestampNow();
  if (kind !== "filing") (entity as { updatedAt?: unknown }).updatedAt = now;
  if (expected === undefined) entity.createdAt = now;
  entity.version = 0n;
  const record = newRecord({ event, meta: meta(actor), entity: recordEntity(kind, entity) });
  const revision =
    expected === undefined
      ? await deps.records.create(kind, entity.id, record)
      : await deps.records.update(kind, entity.id, record, expected);
  await deps.projector.waitFor(kind, revision, deps.projectionWaitMs);
  return publicForm(kind, entity, revision);
}

/** The stored entity from the record (authoritative), with its version; `not_found` naming the field. */
export async function mustGet<K extends Kind>(deps: Deps, kind: K, id: string, field: string) {
  const s = await deps.records.get(kind, id);
  if (!s)
    throw new VisError(
      kind === "agency" || field.endsWith("_id") ? "failed_precondition" : "not_found",
      `no ${kind} "${id}"`,
      { field },
    );
  return s;
}

/** A read: the projection first, the record when the projection has not caught up yet. */
export async function read<K extends Kind>(deps: Deps, kind: K, id: string): Promise<EntityOf[K]> {
  const doc = await deps.queries.doc(kind, id);
  if (doc) return doc;
  const s = await deps.records.get(kind, id);
  if (!s) throw new VisError("not_found", `no ${kind} "${id}"`, { field: "id" });
  return publicForm(kind, s.entity, s.revision);
}

export function expectedVersion(v: bigint): number {
  return Number(v);
}
