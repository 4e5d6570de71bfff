import { CAMERA_ID } from "./egress/play-request.ts";

/** Where a camera's live stream is pulled from. */
export interface SourceResolver {
  /** The source URL, or undefined when the camera is not known here. */
  resolve(camera: string): Promise<string | undefined>;
}

/**
 * Sources from a URL template (`rtmp://nvr.example:1935/live/{camera}`), for operators whose
 * recorder names streams by camera id; `cameras` (when given) limits it to those ids.
 * Registry-backed lookup replaces this per camera.
 */
export function templateSources(template: string, cameras?: readonly string[]): SourceResolver {
  const known = cameras === undefined || cameras.length === 0 ? undefined : new Set(cameras);
  return {
    resolve: async (camera) =>
      template === "" || !CAMERA_ID.test(camera) || (known !== undefined && !known.has(camera))
        ? undefined
        : template.replaceAll("{camera}", encodeURIComponent(camera)),
  };
}
