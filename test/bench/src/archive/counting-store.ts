import type { SegmentStore } from "@vis/archive";

/** Counts what a restart reads; the real store does the work. */
export class CountingStore implements SegmentStore {
  gets = 0;
  heads = 0;
  listed = 0;
  constructor(private readonly inner: SegmentStore) {}
  put(key: string, data: Uint8Array) {
    return this.inner.put(key, data);
  }
  get(key: string) {
    this.gets++;
    return this.inner.get(key);
  }
  head(key: string) {
    this.heads++;
    return this.inner.head(key);
  }
  async *list(prefix: string, startAfter?: string) {
    for await (const o of this.inner.list(prefix, startAfter)) {
      this.listed++;
      yield o;
    }
  }
  remove(key: string) {
    return this.inner.remove(key);
  }
  freeBytes() {
    return this.inner.freeBytes();
  }
}
