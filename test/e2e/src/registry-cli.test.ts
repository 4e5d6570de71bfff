import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, repoRoot, runToExit } from "@vis/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegistryHub, startRegistryHub } from "./registry-fixture.ts";

// The `vis registry` commands against a real registry process: the whole flow from agencies to
// filings, refusals printed with code, field and article, and a chunked bulk import from a file.
let hub: RegistryHub;
let dir: string;
beforeAll(async () => {
  hub = await startRegistryHub();
  dir = makeTempDir("registry-cli");
});
afterAll(async () => {
  await hub?.stop();
});

const vis = (...args: string[]) => run(args);
const run = (args: string[]) =>
  runToExit({
    entry: join(repoRoot(), "tools", "cli", "src", "main.ts"),
    args,
    env: { VIS_REGISTRY_ADDR: String(hub.proc.ready.grpc) },
    timeoutMs: 30_000,
  });

describe("vis registry", () => {
  it("registers agencies, a system and cameras, refuses Art. 9 and Art. 21(7) with the article named", async () => {
    expect(
      (
        await vis(
          "registry",
          "agency",
          "create",
          "--id",
          "ps-1",
          "--kind",
          "police_station",
          "--name",
          "Hutang station",
          "--district",
          "wujin",
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await vis(
          "registry",
          "agency",
          "create",
          "--id",
          "op-1",
          "--kind",
          "private_operator",
          "--name",
          "Mall Co",
          "--district",
          "wujin",
        )
      ).code,
    ).toBe(0);
    const short = await vis(
      "registry",
      "system",
      "create",
      "--id",
      "s1",
      "--owner",
      "op-1",
      "--name",
      "Mall",
      "--funding",
      "private",
      "--category",
      "11",
      "--retention",
      "15",
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(
      /error invalid_argument: .*30 days.*\(field system\.retention_days, Art\. 21\(7\)\)/,
    );
    const sys = await vis(
      "registry",
      "system",
      "create",
      "--id",
      "s1",
      "--owner",
      "op-1",
      "--station",
      "ps-1",
      "--name",
      "Mall",
      "--funding",
      "private",
      "--category",
      "11",
      "--retention",
      "30",
      "--status",
      "accepted",
      "--built",
      "2026-01-01",
      "--accepted",
      "2026-01-05",
      "--json",
    );
    expect(sys.code).toBe(0);
    expect(JSON.parse(sys.stdout)).toMatchObject({
      id: "s1",
      district: "wujin",
      funding: "FUNDING_PRIVATE",
    });
    const toilet = await vis(
      "registry",
      "camera",
      "create",
      "--system",
      "s1",
      "--name",
      "WC",
      "--type",
      "toilet",
    );
    expect(toilet.code).toBe(1);
    expect(toilet.stderr).toMatch(
      /error permission_denied: .*\(field camera\.location_type, Art\. 9\)/,
    );
    const cam = await vis(
      "registry",
      "camera",
      "create",
      "--id",
      "c1",
      "--system",
      "s1",
      "--name",
      "North gate",
      "--type",
      "entrance",
      "--public",
      "--source",
      "rtmp://10.0.0.1/live/c1",
      "--archived",
    );
    expect(cam.code, cam.stderr).toBe(0);
    expect(cam.stdout).toMatch(/camera c1 version \d+/);
    const listed = await vis("registry", "camera", "list", "--system", "s1");
    expect(listed.stdout).toMatch(/c1\s+s1\s+North gate\s+entrance\s+yes\s+no/);
    const gaps = await vis("registry", "signage-gaps", "--district", "wujin", "--json");
    expect(JSON.parse(gaps.stdout).cameras.map((c: { id: string }) => c.id)).toEqual(["c1"]);
  });

  it("shares, withdraws and reports facts; obligations and filing", async () => {
    expect(
      (
        await vis(
          "registry",
          "system",
          "update",
          "s1",
          "--status",
          "in_service",
          "--in-service",
          "2026-01-06",
        )
      ).code,
    ).toBe(0);
    expect(
      (await vis("registry", "system", "share", "s1", "--opt-in", "--live", "--hours", "8-20"))
        .code,
    ).toBe(0);
    let facts = await vis("registry", "camera", "facts", "c1");
    expect(facts.stdout).toMatch(/shareable {2}yes/);
    expect(facts.stdout).toMatch(/live yes {2}recorded no {2}hours 8-20/);
    expect((await vis("registry", "system", "share", "s1", "--withdraw")).stdout).toMatch(
      /withdrawn/,
    );
    facts = await vis("registry", "camera", "facts", "c1");
    expect(facts.stdout).toMatch(
      /shareable {2}no: private system not opted in to interconnect \(Art\. 14\)/,
    );
    const due = await vis(
      "registry",
      "obligations",
      "--district",
      "wujin",
      "--as-of",
      "2026-02-05",
    );
    expect(due.stdout).toMatch(/s1\s+Art\. 17\s+2026-02-04\s+-1\s+overdue\s+wujin\s+ps-1/);
    const filed = await vis(
      "registry",
      "filing",
      "create",
      "--system",
      "s1",
      "--kind",
      "new_system",
      "--date",
      "2026-02-03",
      "--doc",
      `design_plan:plan.pdf:${"b".repeat(64)}`,
    );
    expect(filed.stdout).toMatch(/Art\. 17 due 2026-02-04 filed/);
  });

  it("imports a file in chunks and reports bad rows by their line in the file", async () => {
    const rows = ["id,system_id,name,location_type,public_place,signage"];
    for (let i = 0; i < 25; i++)
      rows.push(`imp-${i},s1,Cam ${i},${i === 17 ? "changing_room" : "corridor"},yes,yes`);
    const file = join(dir, "cams.csv");
    writeFileSync(file, rows.join("\n"));
    const all = await vis("registry", "import", file, "--entity", "camera", "--chunk", "10");
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/25 rows, 15 written in 3 batch\(es\), 1 bad rows/);
    expect(all.stdout).toMatch(/row 18: permission_denied: .*\(Art\. 9\)/);
    const list = await vis(
      "registry",
      "camera",
      "list",
      "--system",
      "s1",
      "--text",
      "cam",
      "--json",
    );
    // all-or-nothing per batch: the batch holding row 18 (rows 11–20) wrote nothing
    expect(JSON.parse(list.stdout).total).toBe(15);
    const rebuilt = await vis("registry", "rebuild", "--json");
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ cameras: 16, systems: 1, agencies: 2 });
  });
});
