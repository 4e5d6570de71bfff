import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Everything the harness started in this process: children and temporary folders. When the test
 * runner exits, leftovers are killed (SIGKILL, by pid) and their folders removed.
 */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", () => {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Registers a child so it is killed if the test runner exits first. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Creates `os.tmpdir()/vis-test-<name>-XXXXXX`, removed at exit unless released earlier. */
export function makeTempDir(name: string): string {
  install();
  const dir = mkdtempSync(join(tmpdir(), `vis-test-${name}-`));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** How many children the harness still tracks (for tests of the harness itself). */
export function liveChildCount(): number {
  return children.size;
}
