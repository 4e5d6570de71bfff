import { describe, expect, it } from "vitest";
import { type GatewayPeer, PeerDirectory, placeCamera } from "./placement.ts";

const peer = (id: string, sessions = 0, capacity = 100): GatewayPeer => ({
  instanceId: id,
  playUrl: `http://${id}`,
  sessions,
  capacity,
});

describe("placeCamera", () => {
  it("gives every gateway the same answer, and spreads cameras", () => {
    const peers = [peer("a"), peer("b"), peer("c")];
    const cams = Array.from({ length: 300 }, (_, i) => `cam-${i}`);
    const placed = cams.map((c) => placeCamera(c, peers)?.instanceId);
    expect(cams.map((c) => placeCamera(c, [...peers].reverse())?.instanceId)).toEqual(placed);
    for (const id of ["a", "b", "c"]) {
      const n = placed.filter((p) => p === id).length;
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(140);
    }
  });

  it("moves only the cameras of a gateway that is full or gone", () => {
    const peers = [peer("a"), peer("b"), peer("c")];
    const cams = Array.from({ length: 100 }, (_, i) => `cam-${i}`);
    const before = cams.map((c) => placeCamera(c, peers)?.instanceId);
    const after = cams.map(
      (c) => placeCamera(c, [peer("a"), peer("b", 100), peer("c")])?.instanceId,
    );
    cams.forEach((_, i) => {
      if (before[i] !== "b") expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe("b");
    });
    expect(placeCamera("cam-1", [peer("a", 5, 5)])).toBeUndefined();
  });

  it("forgets peers not heard from within the ttl", () => {
    const d = new PeerDirectory(1000);
    d.update(peer("a"), 0);
    d.update(peer("b"), 500);
    expect(d.live(1200).map((p) => p.instanceId)).toEqual(["b"]);
  });
});
