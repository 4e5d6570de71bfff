import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface SupervisedOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  /** Called for each stdout line (JSON logs); returns text to show on the console, if any. */
  readonly show: (name: string, line: string) => string | undefined;
  readonly print: (text: string) => void;
}

/**
 * Runs one service process, writes its output to a log file, shows the lines that matter, and
 * restarts it with capped backoff when it dies unexpectedly (faults are repaired at once, Art. 21).
 */
export class Supervised {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly log: WriteStream;
  private readyResolve: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(private readonly o: SupervisedOptions) {
    this.log = createWriteStream(o.logFile, { flags: "a" });
    this.ready = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(this.o.command, this.o.args, {
      env: { ...this.o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const out = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    out.on("line", (line) => {
      this.log.write(`${line}\n`);
      if (line.includes('"msg":"ready"')) {
        this.restarts = 0;
        this.readyResolve?.();
      }
      const text = this.o.show(this.o.name, line);
      if (text !== undefined) this.o.print(text);
    });
    const err = createInterface({ input: child.stderr as NodeJS.ReadableStream });
    err.on("line", (line) => {
      this.log.write(`${line}\n`);
      this.o.print(`[${this.o.name}] ${line}`);
    });
    child.on("exit", (code, signal) => {
      // A clean exit (code 0) was asked for — e.g. Ctrl-C reaches the whole process group.
      if (this.stopping || code === 0) return;
      const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
      this.o.print(
        `[${this.o.name}] exited (code ${code}, signal ${signal}); restarting in ${delay / 1000}s`,
      );
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, delay).unref();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 8000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.log.end();
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    this.log.end();
  }
}
