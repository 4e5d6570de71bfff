import { type ChildProcess, spawn } from "node:child_process";
import { trackChild } from "./cleanup.ts";
import { childEnv, nodeArgs, repoRoot } from "./node-entry.ts";
import { type ExitInfo, OutputTail, waitExit } from "./wait.ts";

export interface RunOptions {
  /** Absolute path of the .ts entry. */
  readonly entry: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** Default 30 s; the child is killed and the promise rejects when it runs longer. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry to its end (for tests of start-up failures) and returns its output. */
export async function runToExit(options: RunOptions): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, nodeArgs(options.entry, options.args), {
    cwd: options.cwd ?? repoRoot(),
    env: childEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  const stdout = new OutputTail(1024 * 1024);
  const stderr = new OutputTail(1024 * 1024);
  child.stdout?.on("data", (c: Buffer) => stdout.push(c));
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  const exit = await closedWithin(child, timeoutMs);
  if (exit === undefined) {
    child.kill("SIGKILL");
    await waitExit(child, 5000);
    throw new Error(
      `${options.entry} still running after ${timeoutMs} ms; killed.\nstderr:\n${stderr.lastLines(20)}`,
    );
  }
  return { ...exit, stdout: stdout.toString(), stderr: stderr.toString() };
}

/** Waits for "close" (exit and both pipes drained), or undefined after the timeout. */
function closedWithin(child: ChildProcess, timeoutMs: number): Promise<ExitInfo | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once("close", (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
