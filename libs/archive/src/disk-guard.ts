/** What the recorder should do before writing another segment. */
export type DiskState = "ok" | "full";

/**
 * Stops new recording when free space falls under `minFreeBytes` (and resumes once it is back
 * above twice that). Never frees space by deleting anything: removal is the retention sweep's job.
 */
export class DiskGuard {
  readonly #free: () => Promise<number | undefined>;
  readonly #minFree: number;
  #state: DiskState = "ok";

  constructor(free: () => Promise<number | undefined>, minFreeBytes: number) {
    this.#free = free;
    this.#minFree = minFreeBytes;
  }

  get state(): DiskState {
    return this.#state;
  }

  /** Re-reads free space; answers the new state and whether it changed. */
  async check(): Promise<{ state: DiskState; changed: boolean; freeBytes: number | undefined }> {
    const freeBytes = await this.#free();
    const before = this.#state;
    if (freeBytes !== undefined) {
      if (freeBytes < this.#minFree) this.#state = "full";
      else if (freeBytes >= this.#minFree * 2) this.#state = "ok";
    }
    return { state: this.#state, changed: before !== this.#state, freeBytes };
  }
}
