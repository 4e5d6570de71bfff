import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import { RequestAccessRequestSchema } from "@vis/proto/vis/access/v1/request_pb";
import { repoRoot, runToExit } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthzHub,
  lawfulRequest,
  OFFICERS,
  seedRegistry,
  startAuthzHub,
} from "./authorizer-fixture.ts";
import { eventually } from "./hub-fixture.ts";

// The auditors' side through the `vis` CLI: export, verify, proofs; tampering with an exported log
// (flip, delete, reorder, insert) is found at the right index.
let hub: AuthzHub;
let file: string;
const cli = (...args: string[]) =>
  runToExit({
    entry: join(repoRoot(), "tools", "cli", "src", "main.ts"),
    args: [...args, "--authorizer", String(hub.authorizer.ready.grpc)],
    timeoutMs: 60_000,
  });

beforeAll(async () => {
  hub = await startAuthzHub();
  await seedRegistry(hub);
  for (let i = 0; i < 30; i++) {
    await hub.access.requestAccess(lawfulRequest(i % 3 === 0 ? { officers: [OFFICERS[0]] } : {}));
  }
  file = join(hub.dir, "log.jsonl");
});
afterAll(async () => {
  await hub?.stop();
});

type Line = { type: string; index?: number; data?: string };
const readLines = () =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
const writeLines = (path: string, lines: Line[]) =>
  writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);

describe("vis log / vis access", () => {
  it("vis access request decides a request given as JSON", async () => {
    const req = join(hub.dir, "req.json");
    writeFileSync(req, JSON.stringify(toJson(RequestAccessRequestSchema, lawfulRequest())));
    const r = await cli("access", "request", "--file", req);
    expect(r.stdout).toMatch(/outcome\s+granted/);
    expect(r.code).toBe(0);
  });

  it("vis access request: a file without requestId is a template; --from/--to set the window", async () => {
    const { requestId: _id, ...template } = toJson(
      RequestAccessRequestSchema,
      lawfulRequest(),
    ) as Record<string, unknown>;
    const req = join(hub.dir, "template.json");
    writeFileSync(req, JSON.stringify(template));
    const decide = async (...extra: string[]) => {
      const r = await cli("access", "request", "--file", req, "--json", ...extra);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { requestId: string; grant?: { window?: { from: string } } };
    };
    const a = await decide("--from", "-3h", "--to", "-2h");
    const b = await decide("--from", "-3h", "--to", "-2h");
    expect(a.requestId).toMatch(/^req-/);
    expect(b.requestId).not.toBe(a.requestId);
    const from = Date.parse(a.grant?.window?.from ?? "");
    expect(Math.abs(from - (Date.now() - 3 * 3_600_000))).toBeLessThan(60_000);
    const half = await cli("access", "request", "--file", req, "--from", "-3h");
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--from and --to go together/);
  });

  it("vis log verify: the live log verifies; export then verify the file", async () => {
    const live = await cli("log", "verify");
    expect(live.stdout).toMatch(/^OK: \d+ entries, hash chain intact, 1 signed checkpoint/);
    expect(live.code).toBe(0);
    const exp = await cli("log", "export", "--out", file);
    expect(exp.code).toBe(0);
    const lines = readLines();
    expect(lines.filter((l) => l.type === "entry").length).toBeGreaterThanOrEqual(31);
    const ok = await cli("log", "verify", "--file", file);
    expect(ok.code).toBe(0);
  });

  const tampered = (name: string, edit: (entries: Line[]) => Line[]) => {
    const lines = readLines();
    const entries = edit(lines.filter((l) => l.type === "entry"));
    const path = join(hub.dir, `${name}.jsonl`);
    writeLines(path, [...entries, ...lines.filter((l) => l.type !== "entry")]);
    return path;
  };
  it.each([
    [
      "flip",
      7,
      "altered",
      (e: Line[]) => e.map((l, i) => (i === 7 ? { ...l, data: flip(l.data ?? "") } : l)),
    ],
    ["delete", 12, "removed", (e: Line[]) => e.filter((_, i) => i !== 12)],
    [
      "reorder",
      15,
      "reordered",
      (e: Line[]) => [...e.slice(0, 15), e[16] as Line, e[15] as Line, ...e.slice(17)],
    ],
    ["insert", 20, "inserted", (e: Line[]) => [...e.slice(0, 20), e[3] as Line, ...e.slice(20)]],
  ] as const)("%s at %i → found at that index", async (name, index, kind, edit) => {
    const path = tampered(name, edit);
    const r = await cli("log", "verify", "--file", path, "--json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      problems: { index: number; kind: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ index, kind });
  });

  it("vis log proof inclusion and consistency check RFC 9162 proofs against signed checkpoints", async () => {
    const first = Number(JSON.parse((await cli("log", "checkpoint", "--json")).stdout).size);
    for (let i = 0; i < 5; i++) await hub.access.requestAccess(lawfulRequest());
    let second = first;
    await eventually(
      "a bigger checkpoint",
      async () => {
        second = Number(JSON.parse((await cli("log", "checkpoint", "--json")).stdout).size);
        return second > first;
      },
      30_000,
    );
    const inc = await cli("log", "proof", "inclusion", "4", "--size", String(second));
    expect(inc.stdout).toContain(`entry 4 in tree ${second}: PROVEN`);
    const con = await cli("log", "proof", "consistency", String(first), String(second));
    expect(con.stdout).toContain("PROVEN");
    expect(con.code).toBe(0);
  });

  it("vis log who answers who saw which camera, by officer", async () => {
    const r = await cli("log", "who", "--officer", "010002", "--camera", "cam-a", "--json");
    const rows = JSON.parse(r.stdout) as { decided?: unknown }[];
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.every((x) => x.decided !== undefined)).toBe(true);
  });
});

function flip(b64: string): string {
  const b = Buffer.from(b64, "base64");
  b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0x01;
  return b.toString("base64");
}
