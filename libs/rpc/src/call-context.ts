import type { Deadline, Metadata } from "@grpc/grpc-js";
import { VisError } from "@vis/errors";
import type { CallContext } from "./service-impl.ts";

/** What every kind of grpc-js server call has in common. */
export interface ServerSurfaceCall {
  readonly metadata: Metadata;
  readonly cancelled: boolean;
  getPeer(): string;
  getDeadline(): Deadline;
  on(event: "cancelled", listener: () => void): unknown;
  off(event: "cancelled", listener: () => void): unknown;
}

/**
 * The handler's view of a call. `signal` aborts on client cancel and at the deadline (grpc-js
 * answers DEADLINE_EXCEEDED itself but does not tell the handler). `dispose` when the call ends.
 */
export function createCallContext(
  path: string,
  call: ServerSurfaceCall,
): { ctx: CallContext; dispose: () => void } {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new VisError("canceled", "call canceled by the caller"));
  call.on("cancelled", onCancel);
  if (call.cancelled) onCancel();

  const raw = call.getDeadline();
  const at = raw instanceof Date ? raw.getTime() : raw;
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(at)) {
    timer = setTimeout(
      () => controller.abort(new VisError("deadline_exceeded", "deadline exceeded")),
      Math.max(0, at - Date.now()),
    );
    timer.unref();
  }

  const ctx: CallContext = {
    method: path,
    metadata: call.metadata,
    deadline: Number.isFinite(at) ? new Date(at) : undefined,
    signal: controller.signal,
    peer: call.getPeer(),
  };
  return {
    ctx,
    dispose() {
      clearTimeout(timer);
      call.off("cancelled", onCancel);
    },
  };
}
