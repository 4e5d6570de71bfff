import { type ChildProcess, spawn } from "node:child_process";
import { trackChild } from "./cleanup.ts";
import { type LogLine, LogLines } from "./log-lines.ts";
import { childEnv, nodeArgs, repoRoot } from "./node-entry.ts";
import { type ExitInfo, hasExited, OutputTail, waitExit } from "./wait.ts";

export interface ServiceProcessOptions {
  /** A label for messages. */
  readonly name: string;
  /** Absolute path of the service's .ts entry. */
  readonly entry: string;
  /** The whole configuration of the child, as a map (added to PATH/HOME/TMPDIR). */
  readonly env: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** How long to wait for the `"msg":"ready"` log line (default 30 s). */
  readonly readyTimeoutMs?: number;
  readonly cwd?: string;
}

export interface ServiceExit extends ExitInfo {
  /** From the signal to the exit. */
  readonly ms: number;
}

export interface ServiceProcess {
  readonly pid: number;
  readonly name: string;
  /** Parsed JSON lines from stdout, in order. */
  readonly logs: readonly LogLine[];
  /** Everything written on stderr (the last 1 MB). */
  readonly stderr: string;
  /** The ready log line (carries e.g. `grpc` = "127.0.0.1:PORT" and `metrics` = URL). */
  readonly ready: LogLine;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends `signal` (SIGTERM), SIGKILL after `timeoutMs` (10 s); resolves with how it ended. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ServiceExit>;
  kill(): Promise<void>;
  readonly exited: Promise<ExitInfo>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `node --import tsx <entry>` with exactly the given environment and waits for its ready
 * line. If it exits first, rejects with the exit code and the last lines it wrote.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, nodeArgs(options.entry, options.args), {
    cwd: options.cwd ?? repoRoot(),
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  const logs = new LogLines();
  const stderr = new OutputTail(1024 * 1024);
  child.stdout?.on("data", (c: Buffer) => logs.push(c));
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("close", (code: number | null, signal: string | null) => {
      logs.close(`${options.name} exited (code ${code}, signal ${signal})`);
      resolve({ code, signal });
    });
  });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let ready: LogLine;
  try {
    ready = await logs.waitFor((l) => l.msg === "ready", timeoutMs, `${options.name} start`);
  } catch (err) {
    if (!hasExited(child)) child.kill("SIGKILL");
    await Promise.race([exited, waitExit(child, 5000)]);
    throw new Error(
      `${(err as Error).message}\n--- stderr ---\n${stderr.lastLines(15)}\n--- stdout ---\n${logs.lastLines(15)}`,
    );
  }
  return new RunningService(options.name, child, logs, stderr, ready, exited);
}

class RunningService implements ServiceProcess {
  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly logLines: LogLines,
    private readonly stderrTail: OutputTail,
    readonly ready: LogLine,
    readonly exited: Promise<ExitInfo>,
  ) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }
  get logs(): readonly LogLine[] {
    return this.logLines.lines;
  }
  get stderr(): string {
    return this.stderrTail.toString();
  }

  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return this.logLines.waitFor(predicate, timeoutMs, `${this.name} log`);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<ServiceExit> {
    const started = Date.now();
    if (!hasExited(this.child)) {
      this.child.kill(signal);
      if ((await waitExit(this.child, timeoutMs)) === undefined) {
        this.child.kill("SIGKILL");
        await waitExit(this.child, 5000);
      }
    }
    const ms = Date.now() - started;
    const exit = await Promise.race([this.exited, waitExit(this.child, 2000)]);
    return {
      code: exit?.code ?? this.child.exitCode,
      signal: exit?.signal ?? this.child.signalCode,
      ms,
    };
  }

  async kill(): Promise<void> {
    await this.stop("SIGKILL", 5000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
