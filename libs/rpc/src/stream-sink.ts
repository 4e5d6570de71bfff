import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import type { Send } from "./service-impl.ts";

/** The writable half of a grpc-js stream (server or client side). */
export interface StreamSink {
  write(message: Message): boolean;
  once(event: "drain", listener: () => void): unknown;
  off(event: "drain", listener: () => void): unknown;
}

/**
 * `send` for a stream: writes one message and, when the transport's buffer is full, waits for
 * `drain`. Rejects with `canceled` once the call is aborted, so a generator stops producing.
 */
export function sender<O extends DescMessage>(
  schema: O,
  sink: StreamSink,
  signal: AbortSignal,
): Send<O> {
  return async (message) => {
    if (signal.aborted) throw new VisError("canceled", "call canceled");
    if (sink.write(create(schema, message) as Message)) return;
    await drained(sink, signal);
  };
}

function drained(sink: StreamSink, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      sink.off("drain", onDrain);
      reject(new VisError("canceled", "call canceled"));
    };
    sink.once("drain", onDrain);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
