import { type ChildProcess, spawn } from "node:child_process";
import { VisError } from "@vis/errors";

/** Keeps the last few lines a process wrote, for error messages. */
export class TailBuffer {
  readonly #lines: string[] = [];
  readonly #max: number;
  constructor(max = 20) {
    this.#max = max;
  }
  push(chunk: Buffer | string): void {
    for (const line of String(chunk).split("\n")) {
      if (line.trim() === "") continue;
      this.#lines.push(line);
      if (this.#lines.length > this.#max) this.#lines.shift();
    }
  }
  toString(): string {
    return this.#lines.join("\n");
  }
}

/** True once the child has exited (or could not start). */
export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits for exit (or a failure to start), at most `timeoutMs`; true if it is gone. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("error", onExit);
      resolve(value);
    };
    const onExit = () => done(true);
    const timer = setTimeout(done, timeoutMs, exited(child));
    child.once("exit", onExit);
    child.once("error", onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (bounded). */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill("SIGTERM");
  if (await waitExit(child, graceMs)) return;
  child.kill("SIGKILL");
  await waitExit(child, 5000);
}

/** Runs a command to completion with a time limit; rejects with `internal` on failure. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  const tail = new TailBuffer();
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });
  child.stderr?.on("data", (d: Buffer) => tail.push(d));
  const done = await waitExit(child, timeoutMs);
  if (spawnError !== undefined) {
    throw new VisError("internal", `${command} could not start`, { cause: spawnError });
  }
  if (!done) {
    await terminate(child, 1000);
    throw new VisError("deadline_exceeded", `${command} took longer than ${timeoutMs} ms`);
  }
  if (child.exitCode !== 0) {
    throw new VisError("internal", `${command} failed (exit ${child.exitCode})`, {
      cause: new Error(tail.toString()),
    });
  }
}
