import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { fromPublic, VisError } from "@vis/errors";
import type { CameraInfo, CameraStatus, ReadyInfo } from "./info.ts";
import { exited, waitExit } from "./process.ts";

/** A running simulator process, as seen by the code that started it. */
export interface Simulator extends AsyncDisposable {
  /** The simulator process; its ffmpeg processes are its children. */
  readonly pid: number;
  /** Everything the ready line said: ports, URLs, folders. */
  readonly info: ReadyInfo;
  readonly cameras: readonly CameraInfo[];
  /** `http://host:port`: HTTP-FLV, `GET /cameras`, `GET /playback/<id>`, camera control. */
  readonly httpUrl: string;
  /** `rtmp://host:port/live` */
  readonly rtmpUrl: string;
  /** Current state of every camera, with pids and recorded ranges. */
  listCameras(): Promise<CameraStatus[]>;
  /** Stops a camera's publisher (and its recording): its live stream disappears. */
  stopCamera(id: string): Promise<CameraStatus>;
  /** Restarts a stopped camera; resolves once it is live again. */
  startCamera(id: string): Promise<CameraStatus>;
  /** SIGTERM, wait, SIGKILL after the timeout. Idempotent. */
  close(): Promise<void>;
}

async function call<T>(url: string, method: "GET" | "POST"): Promise<T> {
  const res = await fetch(url, { method, signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { error?: Record<string, unknown> };
  if (!res.ok) throw fromPublic(body.error ?? { code: "unknown", message: `HTTP ${res.status}` });
  return body as T;
}

export class SimulatorHandle implements Simulator {
  readonly pid: number;
  readonly cameras: readonly CameraInfo[];
  readonly httpUrl: string;
  readonly rtmpUrl: string;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly info: ReadyInfo,
    private readonly closeTimeoutMs: number,
    private readonly cleanup: (() => Promise<void>) | undefined,
  ) {
    this.pid = info.pid;
    this.cameras = info.cameras;
    this.httpUrl = info.httpUrl;
    this.rtmpUrl = info.rtmpUrl;
    // let the caller's process exit without close(): the child then sees its stdin close
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr])
      (s as { unref?: () => void }).unref?.();
  }

  async listCameras(): Promise<CameraStatus[]> {
    return (await call<{ cameras: CameraStatus[] }>(`${this.httpUrl}/cameras`, "GET")).cameras;
  }

  stopCamera(id: string): Promise<CameraStatus> {
    return call(`${this.httpUrl}/cameras/${encodeURIComponent(id)}/stop`, "POST");
  }

  startCamera(id: string): Promise<CameraStatus> {
    return call(`${this.httpUrl}/cameras/${encodeURIComponent(id)}/start`, "POST");
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    const child = this.child;
    child.ref();
    if (!exited(child)) {
      child.kill("SIGTERM");
      if (!(await waitExit(child, this.closeTimeoutMs))) {
        child.kill("SIGKILL");
        if (!(await waitExit(child, 5000))) {
          throw new VisError("internal", `simulator ${this.pid} did not exit after SIGKILL`);
        }
      }
    }
    child.stdin.destroy();
    // a clean exit removed its temp folder itself; after a kill or a crash, do it here
    if (child.exitCode !== 0) await this.cleanup?.();
  }
}
