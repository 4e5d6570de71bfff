import { VisError } from "@vis/errors";

/**
 * Prints one line — `<service>: error <code>: <message>` — and exits non-zero. Used for failures
 * before the service is up (bad config, unreachable NATS or Redis): no stack-trace wall.
 */
export function exitWithError(service: string, err: unknown, exitCode = 1): never {
  const e = err instanceof VisError ? err : VisError.from(err, "unknown");
  const message = e.code === "unknown" && err instanceof Error ? err.message : e.message;
  process.stderr.write(`${service}: error ${e.code}: ${message.split("\n")[0]}\n`);
  process.exit(exitCode);
}
