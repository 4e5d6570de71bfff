/** What the simulator tells its callers: the ready line (stdout) and `GET /cameras` entries. */

export interface CameraInfo {
  /** `cam-001` … */
  readonly id: string;
  /** `rtmp://host:port/live/cam-001` */
  readonly rtmpUrl: string;
  /** `http://host:port/live/cam-001.flv` (WS-FLV: the same path with `ws://`). */
  readonly httpFlvUrl: string;
  /** `http://host:port/playback/cam-001?start={start}&end={end}` (ISO 8601 or epoch ms). */
  readonly playbackUrlTemplate: string;
}

export interface CameraStatus extends CameraInfo {
  readonly state: "running" | "stopped" | "failed";
  /** The camera's ffmpeg (publisher + recorder) while running. */
  readonly pid: number | null;
  /** What the recorder holds, or null before the first segment. */
  readonly recorded: { readonly start: string; readonly end: string } | null;
}

/** The one JSON line the CLI prints on stdout once every camera is live. */
export interface ReadyInfo {
  readonly ready: true;
  /** The simulator process (its ffmpeg processes are its children). */
  readonly pid: number;
  readonly host: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  /** `rtmp://host:port/live` */
  readonly rtmpUrl: string;
  /** `http://host:port` */
  readonly httpUrl: string;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly cameras: readonly CameraInfo[];
}

export function cameraId(index: number): string {
  return `cam-${String(index + 1).padStart(3, "0")}`;
}

export function cameraInfo(
  id: string,
  host: string,
  rtmpPort: number,
  httpPort: number,
): CameraInfo {
  const http = `http://${host}:${httpPort}`;
  return {
    id,
    rtmpUrl: `rtmp://${host}:${rtmpPort}/live/${id}`,
    httpFlvUrl: `${http}/live/${id}.flv`,
    playbackUrlTemplate: `${http}/playback/${id}?start={start}&end={end}`,
  };
}

/** Type guard for a parsed ready line. */
export function isReadyInfo(value: unknown): value is ReadyInfo {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ready === true && typeof v.httpUrl === "string" && Array.isArray(v.cameras);
}
