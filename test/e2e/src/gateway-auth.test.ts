import { request as httpRequest } from "node:http";
import { type Simulator, startSimulator } from "@vis/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayFixture, readHttpFlv, readWsFlv, startGateway } from "./gateway-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// Every play is authorised before one byte of media: hostile tokens are refused with a status and
// a JSON body, never a 200; revoked and expired grants lose their sessions within 1 s.
describe("gateway authorisation", () => {
  let sim: Simulator;
  let gw: GatewayFixture;

  beforeAll(async () => {
    sim = await startSimulator({ cameras: 1 });
    gw = await startGateway(`${sim.rtmpUrl}/{camera}`, ["cam-001"]);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  const url = (token?: string, camera = "cam-001") =>
    `${gw.base}/live/${camera}.flv${token === undefined ? "" : `?token=${token}`}`;

  async function refused(u: string, headers: Record<string, string> = {}) {
    const r = await readHttpFlv(u, 5000, headers);
    const body = JSON.parse(r.raw.toString("utf8")) as { error: { code: string } };
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.raw.subarray(0, 3).toString()).not.toBe("FLV");
    return { status: r.status, code: body.error.code };
  }

  const flip = (token: string) => {
    const [h, p, s] = token.split(".");
    const claims = JSON.parse(Buffer.from(p ?? "", "base64url").toString()) as { cam: string[] };
    claims.cam = ["cam-001", "cam-999"];
    return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  };

  it("refuses hostile and wrong tokens with a clear status and no media", async () => {
    const cases: [string, Promise<{ status: number; code: string }>][] = [
      ["missing", refused(url())],
      ["garbage", refused(url("not-a-token"))],
      ["foreign key", gw.foreignToken().then((t) => refused(url(t)))],
      ["tampered claims", gw.token({ cameras: ["cam-002"] }).then((t) => refused(url(flip(t))))],
      [
        "expired",
        gw.token({}, { now: Date.now() - 120_000, ttlSec: 60 }).then((t) => refused(url(t))),
      ],
      ["wrong camera", gw.token({ cameras: ["cam-002"] }).then((t) => refused(url(t)))],
      [
        "recorded grant for live",
        gw.token({ mode: "recorded", window: { from: 1, to: 2 } }).then((t) => refused(url(t))),
      ],
      ["export grant", gw.token({ action: "export" }).then((t) => refused(url(t)))],
      ["bad camera id", gw.token().then((t) => refused(url(t, "cam%20001")))],
    ];
    const got = Object.fromEntries(
      await Promise.all(cases.map(async ([name, p]) => [name, await p] as const)),
    );
    expect(got).toEqual({
      missing: { status: 401, code: "unauthenticated" },
      garbage: { status: 401, code: "unauthenticated" },
      "foreign key": { status: 401, code: "unauthenticated" },
      "tampered claims": { status: 401, code: "unauthenticated" },
      expired: { status: 401, code: "unauthenticated" },
      "wrong camera": { status: 403, code: "permission_denied" },
      "recorded grant for live": { status: 403, code: "permission_denied" },
      "export grant": { status: 403, code: "permission_denied" },
      "bad camera id": { status: 400, code: "invalid_argument" },
    });
    // Refusals were registered, and no pull was started for any of them.
    expect(gw.events.filter((e) => e.kind === "refused").length).toBeGreaterThanOrEqual(9);
    expect(gw.gateway.streams.has("cam-001")).toBe(false);
  });

  it("accepts the token as a Bearer header, and refuses a camera with no source", async () => {
    const token = await gw.token({ cameras: ["cam-404"] });
    const r = await refused(url(undefined, "cam-404"), { authorization: `Bearer ${token}` });
    expect(r).toEqual({ status: 404, code: "not_found" });
  });

  it("refuses a WebSocket play before the 101", async () => {
    const r = await readWsFlv(`${gw.base.replace("http", "ws")}/live/cam-001.flv?token=x`, 3000);
    expect(r.handshake).toMatch(/^HTTP\/1.1 401/);
    expect(r.tags).toHaveLength(0);
  });

  it("holds a grant to its session limit (429)", async () => {
    const token = await gw.token({ maxSessions: 1 });
    const first = readHttpFlv(url(token), 3000);
    await eventually("first session open", () => gw.gateway.sessions.size === 1);
    expect(await refused(url(token))).toEqual({ status: 429, code: "resource_exhausted" });
    expect((await first).status).toBe(200);
  });

  it("ends a revoked grant's sessions within 1 s and refuses it afterwards", async () => {
    const grantId = `g-revoke-${Date.now()}`;
    const token = await gw.token({ grantId });
    const started = Date.now();
    const reads = [0, 1].map(() => readHttpFlv(url(token), 30_000));
    await eventually(
      "two sessions flowing",
      () =>
        gw.gateway.sessions.list().filter((s) => s.grant.grantId === grantId && s.bytes() > 10_000)
          .length === 2,
    );
    const revokedAt = Date.now() - started;
    gw.authorizer.revoked.add(grantId, Date.now() + 3600_000);
    expect(gw.gateway.revoke(grantId)).toBe(2);
    for (const r of await Promise.all(reads)) {
      expect(r.status).toBe(200);
      const cutOff = (r.closedAtMs ?? Number.POSITIVE_INFINITY) - revokedAt;
      console.info(`revocation cut-off: ${cutOff} ms`);
      expect(cutOff).toBeLessThan(1000);
    }
    expect(await refused(url(token))).toEqual({ status: 403, code: "permission_denied" });
    expect(gw.events.filter((e) => e.detail.endsWith(`${grantId} grant_revoked`))).toHaveLength(2);
  });

  it("ends a session within 1 s of its grant's expiry", async () => {
    const token = await gw.token({}, { ttlSec: 3 });
    const exp = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      exp: number;
    };
    const start = Date.now();
    const r = await readHttpFlv(url(token), 15_000);
    expect(r.status).toBe(200);
    const closedAt = start + (r.closedAtMs ?? 15_000);
    const late = closedAt - exp.exp * 1000;
    console.info(`expiry cut-off: ${late} ms after exp`);
    expect(late).toBeLessThan(1000);
    expect(late).toBeGreaterThan(-1000); // exp has whole-second resolution
  });

  it("answers unknown paths with 404 JSON", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(`${gw.base}/admin`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(404);
  });
});
