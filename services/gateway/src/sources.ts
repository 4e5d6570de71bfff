import { CAMERA_ID } from "./egress/play-request.ts";

/** Where a camera's live stream is pulled from. */
export interface SourceResolver {
  /** The source URL, or undefined when the camera is not known here. */
  resolve(camera: string): Promise<string | undefined>;
}

/**
 * Sources from a URL template (`rtmp://nvr.example:1935/live/{camera}`), for operators whose
 * recorder names streams by camera id. Registry-backed lookup replaces this per camera.
 */
export function templateSources(template: string): SourceResolver {
  return {
    resolve: async (camera) =>
      template === "" || !CAMERA_ID.test(camera)
        ? undefined
        : template.replaceAll("{camera}", encodeURIComponent(camera)),
  };
}
