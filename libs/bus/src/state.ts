/** Where the bus's connection stands. */
export type BusState = "connected" | "reconnecting" | "closed";

/** The current state plus listeners told of every change; `closed` is final. */
export class StateCell {
  private current: BusState = "connected";
  private readonly listeners = new Set<(state: BusState) => void>();

  get state(): BusState {
    return this.current;
  }

  set(next: BusState): void {
    if (next === this.current || this.current === "closed") return;
    this.current = next;
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: (state: BusState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
