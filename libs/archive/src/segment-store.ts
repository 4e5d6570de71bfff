/** A stored object's key and size. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/**
 * Where segments, manifest records, holds and exports live. Objects are **write-once**: `put`
 * refuses an existing key (`already_exists`) and nothing here rewrites bytes in place. `remove`
 * exists only for the retention sweep; callers go through `Archive`, which refuses any removal
 * inside retention (Art. 22(3)).
 */
export interface SegmentStore {
  /** Stores `data` under `key` durably (fsync / object PUT) and atomically; refuses existing keys. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The whole object; `not_found` when absent. */
  get(key: string): Promise<Buffer>;
  /** Size, or undefined when absent. */
  head(key: string): Promise<number | undefined>;
  /**
   * Every object whose key starts with `prefix`, in key order; with `startAfter`, only keys after
   * it (so a restart reads what is new, not a month of segments).
   */
  list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>;
  /** Deletes one object (retention sweep only). Absent keys are not an error. */
  remove(key: string): Promise<void>;
  /** Free bytes where new data would go, or undefined when the store cannot tell (object stores). */
  freeBytes(): Promise<number | undefined>;
}
