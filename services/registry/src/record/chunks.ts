import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";

/**
 * Groups a consumer's messages into chunks: a pump reads them as they arrive (at most `4 × max`
 * ahead), and each step takes everything already received, up to `max`. A burst is handled in
 * large steps and a single write with no delay. Yields an empty chunk after `idleMs` without
 * messages (a chance to check state). Ends when the messages end or `signal` aborts.
 */
export async function* chunks(
  messages: ConsumerMessages,
  max: number,
  idleMs: number,
  signal: AbortSignal,
): AsyncGenerator<JsMsg[]> {
  const queue: JsMsg[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  const close = () => {
    void messages.close().catch(() => undefined);
    wake?.();
    drained?.();
  };
  signal.addEventListener("abort", close, { once: true });
  const pump = (async () => {
    try {
      for await (const m of messages) {
        queue.push(m);
        wake?.();
        if (queue.length >= 4 * max && !signal.aborted)
          await new Promise<void>((resolve) => {
            drained = resolve;
          });
      }
    } finally {
      ended = true;
      wake?.();
    }
  })();
  try {
    while (!signal.aborted) {
      if (queue.length === 0 && !ended) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, idleMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
      if (queue.length === 0) {
        if (ended) break;
        yield [];
        continue;
      }
      const batch = queue.splice(0, max);
      if (queue.length < 4 * max) drained?.();
      yield batch;
    }
  } finally {
    signal.removeEventListener("abort", close);
    close();
    await pump.catch(() => undefined);
  }
}
