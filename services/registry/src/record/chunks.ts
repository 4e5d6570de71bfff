import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";

/**
 * Groups a consumer's messages into chunks: waits for one message, then takes every message already
 * buffered (up to `max`) without waiting, so a burst is handled in large steps and a single write
 * with no delay. Yields an empty chunk after `idleMs` without messages (a chance to check state).
 */
export async function* chunks(
  messages: ConsumerMessages,
  max: number,
  idleMs: number,
  signal: AbortSignal,
): AsyncGenerator<JsMsg[]> {
  const it = messages[Symbol.asyncIterator]();
  const close = () => void messages.close().catch(() => undefined);
  signal.addEventListener("abort", close, { once: true });
  let pending = it.next();
  while (!signal.aborted) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), idleMs);
    });
    const r = await Promise.race([pending, idle]);
    clearTimeout(timer);
    if (r === undefined) {
      yield [];
      continue;
    }
    if (r.done) return;
    const batch: JsMsg[] = [r.value];
    pending = it.next();
    while (batch.length < max && messages.getPending() > 0) {
      const n = await pending;
      if (n.done) {
        yield batch;
        return;
      }
      batch.push(n.value);
      pending = it.next();
    }
    yield batch;
  }
  signal.removeEventListener("abort", close);
}
