/** One line a service wrote on stdout: its pino JSON object, or `{ raw }` when not JSON. */
export type LogLine = Readonly<Record<string, unknown>>;

interface Waiter {
  predicate: (line: LogLine) => boolean;
  resolve: (line: LogLine) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_LINES = 50_000;

/** Splits stdout into lines, parses them and wakes whoever waits for a matching one. */
export class LogLines {
  readonly lines: LogLine[] = [];
  private partial = "";
  private readonly waiters = new Set<Waiter>();
  private closedReason: string | undefined;

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split("\n");
    this.partial = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") this.add(part);
  }

  /** Flushes the last unterminated line and fails every waiter with `reason`. */
  close(reason: string): void {
    if (this.partial.trim() !== "") this.add(this.partial);
    this.partial = "";
    this.closedReason = reason;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters.clear();
  }

  /** The first line (already received or future) matching the predicate. */
  waitFor(
    predicate: (line: LogLine) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    if (this.closedReason !== undefined) {
      return Promise.reject(new Error(`${what}: ${this.closedReason}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject: (err) => reject(new Error(`${what}: ${err.message}`)),
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`${what}: no matching log line within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  lastLines(n: number): string {
    return this.lines
      .slice(-n)
      .map((l) => (typeof l.raw === "string" ? l.raw : JSON.stringify(l)))
      .join("\n");
  }

  private add(text: string): void {
    let line: LogLine;
    try {
      const parsed: unknown = JSON.parse(text);
      line =
        parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
          ? (parsed as LogLine)
          : { raw: text };
    } catch {
      line = { raw: text };
    }
    if (this.lines.length >= MAX_LINES) this.lines.shift();
    this.lines.push(line);
    for (const w of this.waiters) {
      if (w.predicate(line)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(line);
      }
    }
  }
}
