// Adds up the vitest JSON reports of one run and prints the closing line "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, seconds] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const projects = [];
for (const name of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const path = join(dir, name);
  if (!existsSync(path)) continue;
  const r = JSON.parse(readFileSync(path, "utf8"));
  // A file that failed outside any test (import error, failing hook) counts as one failure.
  const fileFailures = (r.testResults ?? []).filter(
    (t) => t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed"),
  ).length;
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + fileFailures;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  projects.push(`${name.replace(".json", "")} ${r.numPassedTests ?? 0}/${r.numTotalTests ?? 0}`);
}
console.log(`\n=== summary (${projects.join(", ")}; ${seconds}s)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
