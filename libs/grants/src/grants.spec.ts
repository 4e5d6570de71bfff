import { describe, expect, it } from "vitest";
import type { GrantScope } from "./claims.ts";
import { GrantError, type GrantRejectReason } from "./grant-error.ts";
import { GrantIssuer } from "./issue.ts";
import { currentKey, generateSigningKey, publicJwks, rotateKeyRing } from "./keys.ts";
import { RevocationList } from "./revocation-list.ts";
import { verifyGrant } from "./verify.ts";

const NOW = Date.parse("2026-11-29T08:00:00Z");
const SEC = Math.floor(NOW / 1000);
const scope: GrantScope = {
  grantId: "g-1",
  agencyId: "cz-psb-wujin",
  officers: ["010001", "010002"],
  cameras: ["cam-1", "cam-2"],
  mode: "recorded",
  action: "view",
  window: { from: SEC - 3600, to: SEC - 600 },
  maxSessions: 2,
};

async function setup() {
  const ring = { keys: [await generateSigningKey(NOW)] };
  const issuer = new GrantIssuer(ring);
  const { token, claims } = await issuer.issue(scope, { now: NOW, ttlSec: 300 });
  return { ring, issuer, token, claims, keys: publicJwks(ring, NOW) };
}

async function reasonOf(p: Promise<unknown>): Promise<GrantRejectReason | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (err instanceof GrantError) return err.reason;
    throw err;
  }
}

describe("grant tokens", () => {
  it("round-trips the scope with kid, expiry and EdDSA", async () => {
    const { token, keys, ring } = await setup();
    const claims = await verifyGrant(token, {
      keys,
      now: NOW + 1000,
      camera: "cam-2",
      mode: "recorded",
      action: "view",
      window: { from: SEC - 3000, to: SEC - 900 },
    });
    expect(claims).toMatchObject({ ...scope, kid: currentKey(ring)?.kid, expiresAt: SEC + 300 });
    expect(
      JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()),
    ).toMatchObject({ alg: "EdDSA", kid: currentKey(ring)?.kid });
    expect(keys.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it.each<[string, Record<string, unknown>, GrantRejectReason, string]>([
    ["camera", { camera: "cam-9" }, "camera_not_granted", "permission_denied"],
    ["mode", { mode: "live" }, "mode_not_granted", "permission_denied"],
    ["action", { action: "export" }, "action_not_granted", "permission_denied"],
    [
      "window start",
      { window: { from: SEC - 7200, to: SEC - 900 } },
      "window_not_granted",
      "permission_denied",
    ],
    [
      "window end",
      { window: { from: SEC - 3000, to: SEC } },
      "window_not_granted",
      "permission_denied",
    ],
    ["expiry", { now: NOW + 306_000 }, "expired", "unauthenticated"],
    ["nbf", { now: NOW - 60_000 }, "not_yet_valid", "unauthenticated"],
  ])("refuses a play outside the grant: %s", async (_name, extra, reason, code) => {
    const { token, keys } = await setup();
    const err = await verifyGrant(token, { keys, now: NOW, ...extra }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrantError);
    expect((err as GrantError).reason).toBe(reason);
    expect((err as GrantError).code).toBe(code);
  });

  it("refuses a flipped signature, a flipped payload, garbage, and a foreign key", async () => {
    const { token, keys } = await setup();
    const [h, p, s] = token.split(".") as [string, string, string];
    const flipSig = `${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload.cam.push("cam-9");
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    expect(await reasonOf(verifyGrant(flipSig, { keys, now: NOW }))).toBe("bad_signature");
    expect(await reasonOf(verifyGrant(forged, { keys, now: NOW }))).toBe("bad_signature");
    expect(await reasonOf(verifyGrant("not.a.token", { keys, now: NOW }))).toBe("malformed");
    const other = { keys: [await generateSigningKey(NOW)] };
    const { token: foreign } = await new GrantIssuer(other).issue(scope, { now: NOW, ttlSec: 60 });
    expect(await reasonOf(verifyGrant(foreign, { keys, now: NOW }))).toBe("unknown_key");
  });

  it("checks revocation through the given list", async () => {
    const { token, keys } = await setup();
    const revoked = new RevocationList();
    expect(
      await reasonOf(verifyGrant(token, { keys, now: NOW, isRevoked: revoked.isRevoked })),
    ).toBe("ok");
    revoked.add("g-1", NOW + 300_000);
    expect(
      await reasonOf(verifyGrant(token, { keys, now: NOW, isRevoked: revoked.isRevoked })),
    ).toBe("revoked");
    expect(revoked.prune(NOW + 300_001)).toBe(1);
    expect(revoked.size).toBe(0);
  });

  it("rotation: new tokens carry the new kid, old tokens verify until the grace ends", async () => {
    const { ring, issuer, token: old } = await setup();
    const rotated = await rotateKeyRing(ring, 600_000, NOW + 10_000);
    issuer.setRing(rotated);
    const { claims } = await issuer.issue(scope, { now: NOW + 10_000, ttlSec: 60 });
    expect(claims.kid).not.toBe(ring.keys[0]?.kid);
    expect(claims.kid).toBe(currentKey(rotated)?.kid);
    const during = publicJwks(rotated, NOW + 20_000);
    expect(during.keys).toHaveLength(2);
    expect(await reasonOf(verifyGrant(old, { keys: during, now: NOW + 20_000 }))).toBe("ok");
    const after = publicJwks(rotated, NOW + 700_000);
    expect(after.keys.map((k) => k.kid)).toEqual([claims.kid]);
    expect(await reasonOf(verifyGrant(old, { keys: after, now: NOW + 20_000 }))).toBe(
      "unknown_key",
    );
  });

  it("caps the token at the grant's end and refuses to sign an ended grant", async () => {
    const { issuer } = await setup();
    const { claims } = await issuer.issue(scope, { now: NOW, ttlSec: 300, notAfter: NOW + 30_000 });
    expect(claims.expiresAt).toBe(SEC + 30);
    await expect(issuer.issue(scope, { now: NOW, ttlSec: 300, notAfter: NOW })).rejects.toThrow(
      /already ended/,
    );
  });
});
