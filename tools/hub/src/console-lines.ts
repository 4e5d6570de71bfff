/**
 * Chooses which service log lines reach the console: start-up, health changes, warnings and
 * errors. Everything else stays in the log file.
 */
export function consoleLine(name: string, line: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `[${name}] ${line}`;
  }
  const level = String(entry.level ?? "");
  const msg = String(entry.msg ?? "");
  if (entry.event === "ready")
    return `[${name}] ready: gRPC ${entry.grpc}, metrics ${entry.metrics}`;
  if (entry.event === "serving" || entry.event === "stopping" || entry.event === "stopped") {
    return `[${name}] ${msg}`;
  }
  if (level === "warn" || level === "error" || level === "fatal") {
    const err = entry.err as { message?: string } | undefined;
    return `[${name}] ${level}: ${msg}${err?.message ? ` (${err.message})` : ""}`;
  }
  return undefined;
}
