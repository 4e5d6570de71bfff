import { VisError } from "@vis/errors";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HlsSessions } from "./hls-sessions.ts";
import type { PlayGrant } from "./play-authorizer.ts";
import { type EndReason, type Session, SessionRegistry } from "./session-registry.ts";

const grant = (grantId: string, sessionLimit = 2): PlayGrant => ({
  grantId,
  sessionLimit,
  expiresAt: new Date(Date.now() + 3600_000),
  agency: "cz-psb-wujin",
  viewer: "010001",
});

// Fake timers are the clock here: Date.now and the idle sweep move only when the test says so.
describe("HlsSessions", () => {
  let registry: SessionRegistry;
  let hls: HlsSessions;
  let started: Session[];
  let ended: { session: Session; reason: EndReason }[];
  beforeEach(() => {
    vi.useFakeTimers();
    registry = new SessionRegistry();
    started = [];
    ended = [];
    hls = new HlsSessions(
      registry,
      5000,
      (s) => started.push(s),
      (session, reason) => ended.push({ session, reason }),
    );
  });
  afterEach(() => {
    hls.close();
    registry.endAll("gateway_stopping");
    vi.useRealTimers();
  });

  const viewer = { camera: "cam-001", remoteAddress: "127.0.0.1" };

  it("is one session per grant, address and camera, counting the bytes of every request", () => {
    const g = grant("g-1");
    const a = hls.touch(g, viewer);
    const b = hls.touch(g, viewer);
    expect(a).toEqual(b);
    if (a instanceof VisError) throw a;
    hls.addBytes(a.key, 100);
    hls.addBytes(a.key, 250);
    expect(started).toHaveLength(1);
    expect(started[0]?.protocol).toBe("hls");
    expect(started[0]?.bytes()).toBe(350);
    expect(hls.touch(g, { ...viewer, remoteAddress: "127.0.0.2" })).not.toEqual(a);
    expect(started).toHaveLength(2);
    expect(registry.size).toBe(2);
  });

  it("ends after the idle time since the last request, not before", () => {
    const key = hls.touch(grant("g-1"), viewer);
    if (key instanceof VisError) throw key;
    vi.advanceTimersByTime(4000);
    hls.touch(grant("g-1"), viewer);
    vi.advanceTimersByTime(5000);
    expect(ended).toHaveLength(0);
    expect(hls.has(key.key)).toBe(true);
    vi.advanceTimersByTime(1000 + 1000);
    expect(ended.map((e) => e.reason)).toEqual(["viewer_left"]);
    expect(hls.has(key.key)).toBe(false);
    expect(registry.size).toBe(0);
  });

  it("a request busy for a while (a recorded segment's duration) counts idle from its end", () => {
    hls.touch(grant("g-1"), viewer, 60_000);
    vi.advanceTimersByTime(10_000);
    hls.touch(grant("g-1"), viewer); // a playlist request meanwhile does not shorten it
    vi.advanceTimersByTime(50_000 + 5000);
    expect(ended).toHaveLength(0);
    vi.advanceTimersByTime(2000);
    expect(ended.map((e) => e.reason)).toEqual(["viewer_left"]);
  });

  it("a new session is refused at the grant's limit; an open one's requests are not", () => {
    const g = grant("g-1", 1);
    expect(hls.touch(g, viewer)).not.toBeInstanceOf(VisError);
    const other = hls.touch(g, { ...viewer, remoteAddress: "127.0.0.9" });
    expect(other).toBeInstanceOf(VisError);
    expect((other as VisError).code).toBe("resource_exhausted");
    expect(hls.touch(g, viewer)).not.toBeInstanceOf(VisError);
    expect(started).toHaveLength(1);
  });

  it("a revocation ends the session at once, and the grant opens no new one", () => {
    const key = hls.touch(grant("g-1"), viewer);
    if (key instanceof VisError) throw key;
    expect(registry.revoke("g-1")).toBe(1);
    expect(ended.map((e) => e.reason)).toEqual(["grant_revoked"]);
    expect(hls.has(key.key)).toBe(false);
    const again = hls.touch(grant("g-1"), viewer);
    expect((again as VisError).code).toBe("permission_denied");
  });
});
