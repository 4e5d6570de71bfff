import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Dependency } from "@vis/proto/vis/ops/v1/admin_pb";
import { DependencyState } from "@vis/proto/vis/ops/v1/admin_pb";
import { redactUrl } from "@vis/store";

export type LinkState = "connected" | "reconnecting" | "closed";

interface Entry {
  target: string;
  state: LinkState;
  since: Date;
}

/**
 * Tracks the connections a service needs (NATS, Redis). The service is SERVING only while all of
 * them are connected; every change is reported to `onChange`.
 */
export class DependencyTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: ((allUp: boolean) => void)[] = [];

  track(name: string, target: string, initial: LinkState): (state: LinkState) => void {
    this.entries.set(name, { target, state: initial, since: new Date() });
    return (state) => {
      const entry = this.entries.get(name);
      if (!entry || entry.state === state) return;
      entry.state = state;
      entry.since = new Date();
      const up = this.allUp();
      for (const l of this.listeners) l(up);
    };
  }

  onChange(listener: (allUp: boolean) => void): void {
    this.listeners.push(listener);
  }

  allUp(): boolean {
    return [...this.entries.values()].every((e) => e.state === "connected");
  }

  describe(): {
    name: string;
    target: string;
    state: DependencyState;
    since: ReturnType<typeof timestampFromDate>;
  }[] {
    return [...this.entries].map(([name, e]) => ({
      name,
      target: redactUrl(e.target),
      state: STATE[e.state],
      since: timestampFromDate(e.since),
    }));
  }
}

const STATE: Record<LinkState, Dependency["state"]> = {
  connected: DependencyState.CONNECTED,
  reconnecting: DependencyState.RECONNECTING,
  closed: DependencyState.DISCONNECTED,
};
