import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the child has exited (at once if it already has), or with undefined on timeout. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<ExitInfo | undefined> {
  if (hasExited(child)) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(undefined);
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once("exit", onExit);
  });
}

/**
 * Polls `check` until it returns true, `failFast` returns a reason, or the deadline passes.
 * Bounded in time and in attempts.
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; failFast?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  const maxAttempts = Math.ceil(options.timeoutMs / interval) + 1;
  let lastError = "";
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
    const reason = options.failFast?.();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(interval);
  }
  throw new Error(
    `${what}: not ready after ${options.timeoutMs} ms${lastError ? ` (${lastError})` : ""}`,
  );
}

/** Keeps the last `max` characters written to it. */
export class OutputTail {
  private text = "";
  constructor(private readonly max = 64 * 1024) {}
  push(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > this.max) this.text = this.text.slice(-this.max);
  }
  lastLines(n: number): string {
    return this.text.trimEnd().split("\n").slice(-n).join("\n");
  }
  toString(): string {
    return this.text;
  }
}
