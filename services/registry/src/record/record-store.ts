import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { VisError } from "@vis/errors";
import {
  BatchState,
  type ImportBatch,
  ImportBatchSchema,
  type Record as RecordMsg,
  RecordSchema,
} from "@vis/proto/vis/registry/v1/record_pb";
import { BUCKET, type EntityOf, entityOf, KINDS, type Kind } from "./kinds.ts";

const WRONG_LAST_SEQUENCE = 10071;
const ATTEMPTS = 6;
export const IMPORTS_BUCKET = "registry_imports";
/** Revisions kept per key, so the event publisher sees every revision even when it lags. */
const HISTORY = 16;

export interface Stored<K extends Kind> {
  readonly record: RecordMsg;
  readonly entity: EntityOf[K];
  readonly revision: number;
}

/**
 * The durable record: one JetStream KV bucket per entity kind (file storage), values are `Record`
 * messages. A write resolves once JetStream has stored it. The key's revision is the entity's
 * version, so an update with an expected revision is optimistic concurrency done by the server.
 */
export class RecordStore {
  private constructor(
    private readonly buckets: Map<Kind, KV>,
    private readonly imports: KV,
  ) {}

  static async open(nc: NatsConnection): Promise<RecordStore> {
    const kvm = new Kvm(nc);
    const opts = { history: HISTORY, storage: StorageType.File, timeout: 10_000 };
    const buckets = new Map<Kind, KV>();
    for (const kind of KINDS) buckets.set(kind, await kvm.create(BUCKET[kind], opts));
    const imports = await kvm.create(IMPORTS_BUCKET, { ...opts, history: 1 });
    return new RecordStore(buckets, imports);
  }

  private kv(kind: Kind): KV {
    const kv = this.buckets.get(kind);
    if (!kv) throw new Error(`no bucket for ${kind}`);
    return kv;
  }

  async get<K extends Kind>(kind: K, id: string): Promise<Stored<K> | undefined> {
    const entry = await retry(`read ${kind} ${id}`, () => this.kv(kind).get(id));
    return decode(kind, entry);
  }

  /** Stores a new entity; `already_exists` when the id is taken. Retries are idempotent by `meta.id`. */
  async create<K extends Kind>(kind: K, id: string, record: RecordMsg): Promise<number> {
    checkKey(kind, id);
    const data = toBinary(RecordSchema, record);
    return retry(`create ${kind} ${id}`, async (attempt) => {
      try {
        return await this.kv(kind).create(id, data);
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
        const current = await this.get(kind, id);
        // A retry of our own write that was stored before its acknowledgement was lost.
        if (attempt > 0 && current && current.record.meta?.id === record.meta?.id)
          return current.revision;
        if (current && record.batchId !== "" && current.record.batchId === record.batchId)
          return current.revision;
        throw new VisError("already_exists", `${kind} "${id}" already exists`, {
          field: `${kind}.id`,
        });
      }
    });
  }

  /** Replaces an entity if its version is still `expected`; `aborted` otherwise, `not_found` when absent. */
  async update<K extends Kind>(
    kind: K,
    id: string,
    record: RecordMsg,
    expected: number,
  ): Promise<number> {
    const data = toBinary(RecordSchema, record);
    return retry(`update ${kind} ${id}`, async (attempt) => {
      try {
        return await this.kv(kind).update(id, data, expected);
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
        const current = await this.get(kind, id);
        if (!current)
          throw new VisError("not_found", `no ${kind} "${id}"`, { field: `${kind}.id` });
        if (attempt > 0 && current.record.meta?.id === record.meta?.id) return current.revision;
        throw new VisError(
          "aborted",
          `${kind} "${id}" changed: version ${current.revision}, expected ${expected}; read it again and retry`,
          { field: "expected_version" },
        );
      }
    });
  }

  /** The latest value of every key of a kind (for small kinds: agencies, systems, filings). */
  async all<K extends Kind>(kind: K): Promise<Stored<K>[]> {
    const keys = await this.keys(this.kv(kind));
    const found = await Promise.all(keys.map((k) => this.get(kind, k)));
    return found.filter((s): s is Stored<K> => s !== undefined);
  }

  private async keys(kv: KV): Promise<string[]> {
    return retry("list keys", async () => {
      const out: string[] = [];
      for await (const k of await kv.keys()) out.push(k);
      return out;
    });
  }

  async getBatch(id: string): Promise<{ batch: ImportBatch; revision: number } | undefined> {
    const e = await retry(`read import ${id}`, () => this.imports.get(id));
    if (e?.operation !== "PUT") return undefined;
    return { batch: fromBinary(ImportBatchSchema, e.value), revision: e.revision };
  }

  /** Stores a batch as one message: the commit point of an import. */
  async putBatch(batch: ImportBatch, expected?: number): Promise<number> {
    const data = toBinary(ImportBatchSchema, batch);
    return retry(`store import ${batch.batchId}`, async (attempt) => {
      try {
        return expected === undefined
          ? await this.imports.create(batch.batchId, data)
          : await this.imports.update(batch.batchId, data, expected);
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
        const current = await this.getBatch(batch.batchId);
        if (
          attempt > 0 &&
          current &&
          current.batch.meta?.id === batch.meta?.id &&
          current.batch.state === batch.state
        )
          return current.revision;
        throw new VisError("already_exists", `import batch "${batch.batchId}" already exists`, {
          field: "batch_id",
        });
      }
    });
  }

  /** Ids of the batches still being applied. */
  async pendingBatches(): Promise<string[]> {
    const keys = await this.keys(this.imports);
    const batches = await Promise.all(keys.map((k) => this.getBatch(k)));
    return batches
      .filter((b) => b?.batch.state === BatchState.COMMITTED)
      .map((b) => b?.batch.batchId ?? "");
  }
}

function decode<K extends Kind>(kind: K, entry: KvEntry | null): Stored<K> | undefined {
  if (entry?.operation !== "PUT") return undefined;
  const record = fromBinary(RecordSchema, entry.value);
  const entity = entityOf(kind, record);
  return entity ? { record, entity, revision: entry.revision } : undefined;
}

export function newRecord(init: Parameters<typeof create<typeof RecordSchema>>[1]): RecordMsg {
  return create(RecordSchema, init);
}

const KEY = /^[A-Za-z0-9_-]([A-Za-z0-9._-]*[A-Za-z0-9_-])?$/;
function checkKey(kind: Kind, id: string): void {
  if (!KEY.test(id))
    throw new VisError(
      "invalid_argument",
      `${kind}.id: "${id}" must be letters, digits, . _ - (not starting or ending with .)`,
      {
        field: `${kind}.id`,
      },
    );
}

function isWrongSequence(err: unknown): boolean {
  return (
    (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) ||
    (err instanceof Error && /wrong last sequence/i.test(err.message))
  );
}

/** Repeats an operation that failed transiently (NATS restarting, a lost acknowledgement), ≤ ~10 s. */
async function retry<T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (err instanceof VisError) throw err;
      const transient = !(err instanceof JetStreamApiError) || err.status === 503;
      if (!transient || attempt + 1 >= ATTEMPTS) {
        throw new VisError(
          "unavailable",
          `${what}: the durable record did not answer (${(err as Error).message})`,
          {
            cause: err,
          },
        );
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
