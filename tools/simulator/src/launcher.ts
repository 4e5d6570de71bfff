import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { fromPublic, VisError } from "@vis/errors";
import { toFlags } from "./flags.ts";
import { isReadyInfo, type ReadyInfo } from "./info.ts";
import { resolveOptions, type SimulatorOptions } from "./options.ts";
import { CLI_ENTRY, PACKAGE_DIR } from "./paths.ts";
import { exited, TailBuffer, terminate } from "./process.ts";
import { type Simulator, SimulatorHandle } from "./simulator-handle.ts";

export interface StartSimulatorOptions extends SimulatorOptions {
  /** How long to wait for the ready line (default 90 s; the first run also encodes the clips). */
  readonly startTimeoutMs?: number;
  /** How long `close()` waits after SIGTERM before SIGKILL (default 10 s). */
  readonly closeTimeoutMs?: number;
  /** Receives the simulator's log lines (stderr); by default only kept for error messages. */
  readonly onLog?: (line: string) => void;
}

const ERROR_LINE = /^error ([a-z_]+): (.*)$/;

/** The error the child printed last (`error <code>: <message>`), or a generic one. */
function childError(tail: TailBuffer, how: string): VisError {
  const lines = tail.toString().split("\n").reverse();
  for (const line of lines) {
    const m = ERROR_LINE.exec(line);
    if (m !== null) return fromPublic({ code: m[1], message: m[2] });
  }
  return new VisError("internal", `simulator exited before it was ready (${how})`, {
    cause: new Error(tail.toString()),
  });
}

function waitReady(child: ChildProcessWithoutNullStreams, tail: TailBuffer, timeoutMs: number) {
  return new Promise<ReadyInfo>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      reject(new VisError("deadline_exceeded", `simulator not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(childError(tail, `exit ${code ?? signal}`));
    };
    child.once("exit", onExit);
    lines.on("line", (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return; // not the ready line
      }
      if (!isReadyInfo(parsed)) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      lines.close(); // this pauses stdout: keep draining it
      child.stdout.resume();
      resolve(parsed);
    });
  });
}

/**
 * Starts the simulator in a child process (`node --import tsx src/cli.ts --json`), so
 * node-media-server's process-wide state never touches the caller, and resolves once every
 * camera is live. The child exits when the caller's process dies (its stdin closes).
 */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const args = ["--import", "tsx", CLI_ENTRY, ...toFlags(resolved), "--json", "--exit-with-stdin"];
  const child = spawn(process.execPath, args, {
    cwd: PACKAGE_DIR,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const tail = new TailBuffer(40);
  createInterface({ input: child.stderr }).on("line", (line) => {
    tail.push(line);
    options.onLog?.(line);
  });
  let info: ReadyInfo;
  try {
    info = await waitReady(child, tail, options.startTimeoutMs ?? 90_000);
  } catch (err) {
    if (!exited(child)) await terminate(child, 5000);
    throw err;
  }
  const cleanup =
    resolved.dataDir === undefined
      ? () => rm(info.dataDir, { recursive: true, force: true })
      : undefined;
  return new SimulatorHandle(child, info, options.closeTimeoutMs ?? 10_000, cleanup);
}
