import type { DescMethod } from "@bufbuild/protobuf";
import { type Client, Metadata, status } from "@grpc/grpc-js";
import type { Histogram } from "@opentelemetry/api";
import { VisError } from "@vis/errors";
import { methodPath } from "./adapter.ts";
import { fromGrpcFailure, type GrpcFailure } from "./grpc-error.ts";
import { observeClientCall } from "./telemetry.ts";

/** Per-call options. Every call has a deadline: `deadlineMs` or the client's default. */
export interface CallOptions {
  deadlineMs?: number;
  /** Extra request headers. */
  metadata?: Record<string, string> | Metadata;
  /** Cancels the call; it then rejects with `canceled`. */
  signal?: AbortSignal;
}

/** What a call needs from its client. */
export interface CallEnv {
  readonly grpc: Client;
  readonly address: string;
  readonly deadlineMs: number;
  readonly histogram: Histogram;
}

/** Set-up shared by every call kind: path, deadline, metadata with trace context, span, error mapping. */
export function beginCall(env: CallEnv, method: DescMethod, options: CallOptions) {
  const path = methodPath(method);
  const deadlineMs = options.deadlineMs ?? env.deadlineMs;
  if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
    throw new VisError("invalid_argument", `${path}: deadlineMs must be a positive number`, {
      field: "deadlineMs",
    });
  }
  const metadata = toMetadata(options.metadata);
  const observed = observeClientCall(method, metadata, env.histogram);
  const fail = (failure: GrpcFailure): VisError => {
    const err = fromGrpcFailure(failure, { path, address: env.address, deadlineMs });
    observed.end(failure.code ?? status.UNKNOWN, err.message);
    return err;
  };
  return {
    path,
    metadata,
    callOptions: { deadline: Date.now() + deadlineMs },
    succeed: () => observed.end(status.OK),
    fail,
    /** Cancels `call` when the caller's signal fires; returns the unhook. */
    onAbort(call: { cancel(): void }): () => void {
      const signal = options.signal;
      if (signal === undefined) return () => {};
      if (signal.aborted) call.cancel();
      const cancel = () => call.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      return () => signal.removeEventListener("abort", cancel);
    },
  };
}

function toMetadata(input: CallOptions["metadata"]): Metadata {
  if (input instanceof Metadata) return input.clone();
  const md = new Metadata();
  for (const [k, v] of Object.entries(input ?? {})) md.set(k, v);
  return md;
}

export type ClientCall = ReturnType<typeof beginCall>;
