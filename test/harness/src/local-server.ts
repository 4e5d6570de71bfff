import { type ChildProcess, spawn } from "node:child_process";
import { removeTempDir, trackChild } from "./cleanup.ts";
import type { ServerHandle } from "./server-handle.ts";
import { hasExited, OutputTail, pollUntil, waitExit } from "./wait.ts";

const TERMINATING = new Set<NodeJS.Signals>(["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGABRT"]);
const STOP_GRACE_MS = 5000;
const READY_TIMEOUT_MS = 20_000;

/** How to launch one kind of server binary. */
export interface LaunchSpec {
  readonly name: string;
  readonly bin: string;
  readonly scheme: "nats" | "redis";
  readonly dataDir: string;
  /** Remove dataDir on stop (it is a temporary folder the harness made). */
  readonly ownsDataDir: boolean;
  args(port: number | undefined): string[];
  /** Learns the port the running child serves on (e.g. from a ports file), if not given. */
  discoverPort?(child: ChildProcess, failFast: () => string | undefined): Promise<number>;
  probe(port: number): Promise<boolean>;
}

interface Running {
  child: ChildProcess;
  output: OutputTail;
}

/** A server binary run as a child of the test process. */
export class LocalServer implements ServerHandle {
  readonly kind = "local" as const;
  private running: Running | undefined;
  private currentPort = 0;
  private stopped = false;

  constructor(private readonly spec: LaunchSpec) {}

  get url(): string {
    return `${this.spec.scheme}://127.0.0.1:${this.currentPort}`;
  }
  get port(): number {
    return this.currentPort;
  }
  get pid(): number | undefined {
    return this.running?.child.pid;
  }
  get dataDir(): string {
    return this.spec.dataDir;
  }

  /** Starts the binary; `port` undefined lets the launcher choose. Resolves once it serves. */
  async start(port: number | undefined): Promise<void> {
    const output = new OutputTail();
    const child = spawn(this.spec.bin, this.spec.args(port), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    trackChild(child);
    child.stdout?.on("data", (c: Buffer) => output.push(c));
    child.stderr?.on("data", (c: Buffer) => output.push(c));
    this.running = { child, output };
    const failFast = () =>
      hasExited(child)
        ? `${this.spec.name} exited (code ${child.exitCode}, signal ${child.signalCode}):\n${output.lastLines(15)}`
        : undefined;
    try {
      const chosen = port ?? (await this.spec.discoverPort?.(child, failFast));
      if (chosen === undefined) throw new Error(`${this.spec.name}: no port given or discovered`);
      this.currentPort = chosen;
      await pollUntil(`${this.spec.name} on port ${chosen}`, () => this.spec.probe(chosen), {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 50,
        failFast,
      });
    } catch (err) {
      await this.signalAndWait("SIGKILL", 2000);
      throw err;
    }
  }

  /** Output of the current process (for failure messages). */
  lastOutput(lines = 20): string {
    return this.running?.output.lastLines(lines) ?? "";
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.terminate();
    if (this.spec.ownsDataDir) removeTempDir(this.spec.dataDir);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.running?.child;
    if (!child || hasExited(child)) return;
    if (!TERMINATING.has(signal)) {
      child.kill(signal);
      return;
    }
    await this.signalAndWait(signal, signal === "SIGKILL" ? 5000 : STOP_GRACE_MS);
    if (!hasExited(child)) await this.signalAndWait("SIGKILL", 5000);
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${this.spec.name} was stopped; its data folder is gone`);
    await this.terminate();
    await this.start(this.currentPort);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** SIGTERM (with SIGCONT in case it is paused), SIGKILL after the grace period. */
  private async terminate(): Promise<void> {
    const child = this.running?.child;
    if (!child || hasExited(child)) return;
    child.kill("SIGTERM");
    child.kill("SIGCONT");
    if ((await waitExit(child, STOP_GRACE_MS)) === undefined) {
      await this.signalAndWait("SIGKILL", 5000);
    }
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.running?.child;
    if (!child || hasExited(child)) return;
    child.kill(signal);
    if ((await waitExit(child, timeoutMs)) === undefined) {
      throw new Error(`${this.spec.name} (pid ${child.pid}) did not exit after ${signal}`);
    }
  }
}
