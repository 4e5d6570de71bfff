/**
 * What the hub needs from one viewer's connection: write a shared buffer (without copying it),
 * say how many bytes are still queued in user space, and end the connection.
 */
export interface ViewerSink {
  /** Queues `data` for the socket; the Buffer is shared with other viewers and must not change. */
  write(data: Buffer): void;
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  readonly writableLength: number;
  /** Ends the connection at once (socket destroyed). */
  close(): void;
  /** Optional: hold writes and send them together (one writev) at `uncork`. */
  cork?(): void;
  uncork?(): void;
}

/** Why the hub let a viewer go. */
export type DropReason = "slow_reader" | "upstream_lost";

export interface HubLimits {
  /** A viewer with more than this queued stops receiving until it drains (default 1 MiB). */
  readonly highWaterBytes: number;
  /** A paused viewer resumes, at the next keyframe, once its queue is below this (default 64 KiB). */
  readonly lowWaterBytes: number;
  /** A viewer paused this long is dropped (default 10 s). */
  readonly stallDropMs: number;
  /** The GOP cache stops growing beyond this; new viewers then wait for the next keyframe. */
  readonly gopCacheMaxBytes: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 64 * 1024,
  stallDropMs: 10_000,
  gopCacheMaxBytes: 8 * 1024 * 1024,
};
