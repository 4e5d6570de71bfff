import { VisError } from "@vis/errors";

export interface Output {
  readonly json: boolean;
  /** Prints a result: the value as JSON, or the human text. */
  result(value: unknown, human: () => string): void;
}

export function createOutput(
  json: boolean,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Output {
  return {
    json,
    result(value, human) {
      write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
  };
}

/** A table with left-aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `error <code>: <message> (field …, Art. …)` on stderr, or `{ "error": … }` on stdout with --json. */
export function printError(err: unknown, json: boolean): number {
  const e = err instanceof VisError ? err : VisError.from(err, "unknown");
  const message = e.code === "unknown" && err instanceof Error ? err.message : e.message;
  const pub = { ...e.toJSON(), message };
  if (json) process.stdout.write(`${JSON.stringify({ error: pub }, null, 2)}\n`);
  else {
    const extra = [e.field && `field ${e.field}`, e.article].filter(Boolean).join(", ");
    process.stderr.write(`error ${e.code}: ${message}${extra ? ` (${extra})` : ""}\n`);
  }
  return e.code === "invalid_argument" ? 2 : 1;
}
