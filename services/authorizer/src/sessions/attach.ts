/**
 * Runs `attach` (creating a durable consumer) now, or — when it fails because the stream does not
 * exist yet (no gateway has started) or NATS is away — again in the background with backoff until
 * it succeeds or `stopping` aborts.
 */
export async function attachWhenReady(
  attach: () => Promise<void>,
  attached: () => boolean,
  stopping: AbortSignal,
): Promise<void> {
  try {
    await attach();
  } catch {
    void (async () => {
      for (let a = 1; !stopping.aborted && !attached(); a++) {
        await new Promise((r) => setTimeout(r, Math.min(500 * a, 5000)));
        await attach().catch(() => undefined);
      }
    })();
  }
}
