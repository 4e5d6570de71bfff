import * as grpc from "@grpc/grpc-js";

/** Latency and throughput of one closed-loop run. */
export interface RunStats {
  readonly name: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

const identity = (b: Buffer) => b;

/**
 * Sends `total` unary calls of raw bytes to `path` with `concurrency` in flight (closed loop, one
 * grpc-js channel), after `warmup` calls that are not measured. Same client for every target.
 */
export async function runLoad(o: {
  name: string;
  address: string;
  path: string;
  total: number;
  warmup: number;
  concurrency: number;
  payload: (i: number) => Buffer;
  check?: (response: Buffer) => boolean;
}): Promise<RunStats> {
  const client = new grpc.Client(o.address, grpc.credentials.createInsecure());
  const call = (bytes: Buffer) =>
    new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(
        o.path,
        identity,
        identity,
        bytes,
        { deadline: Date.now() + 30_000 },
        (err, res) => (err || res === undefined ? reject(err ?? new Error("empty")) : resolve(res)),
      );
    });
  try {
    let next = 0;
    const workers = (n: number, from: number, record: (ms: number, ok: boolean) => void) =>
      Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          for (let i = next++; i < n; i = next++) {
            const t = process.hrtime.bigint();
            let ok = true;
            try {
              const res = await call(o.payload(from + i));
              ok = o.check?.(res) ?? true;
            } catch {
              ok = false;
            }
            record(Number(process.hrtime.bigint() - t) / 1e6, ok);
          }
        }),
      );
    await workers(o.warmup, 0, () => undefined);
    next = 0;
    const latencies: number[] = [];
    let errors = 0;
    const start = process.hrtime.bigint();
    await workers(o.total, o.warmup, (ms, ok) => {
      latencies.push(ms);
      if (!ok) errors++;
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      name: o.name,
      requests: o.total,
      concurrency: o.concurrency,
      perSecond: Math.round(o.total / seconds),
      p50Ms: Number(at(0.5).toFixed(2)),
      p99Ms: Number(at(0.99).toFixed(2)),
      errors,
    };
  } finally {
    client.close();
  }
}
