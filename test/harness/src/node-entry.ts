import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let loader: string | undefined;

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("repository root (pnpm-workspace.yaml) not found above the test harness");
}

/** `file://…/tsx/dist/loader.mjs`, resolved from the repository root where tsx is installed. */
export function tsxLoaderUrl(): string {
  if (loader === undefined) {
    const require = createRequire(join(repoRoot(), "package.json"));
    loader = pathToFileURL(require.resolve("tsx")).href;
  }
  return loader;
}

/**
 * The environment of a child: a minimal base inherited from the runner (PATH, HOME, TMPDIR, LANG;
 * never NODE_OPTIONS) plus the given map (which may set NODE_OPTIONS explicitly). The runner's own `process.env` is never modified.
 */
export function childEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  return { ...base, ...env };
}

/** `node --import tsx <entry> …args`: the argv that runs a TypeScript entry. */
export function nodeArgs(entry: string, args: readonly string[] = []): string[] {
  return ["--import", tsxLoaderUrl(), entry, ...args];
}
