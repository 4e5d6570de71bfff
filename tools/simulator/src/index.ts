// For users: start a simulator process and talk to it.

export { SEGMENT_SECONDS } from "./camera.ts";
// Facts about the synthetic clip and the recorder, for assertions.
export { CLIP } from "./clip.ts";
// For tests and other packages: read FLV streams (HTTP-FLV, playback).
export {
  type FlvHeader,
  type FlvParseResult,
  FlvStreamParser,
  type FlvTag,
  parseFlvTags,
} from "./flv.ts";
export type { CameraInfo, CameraStatus, ReadyInfo } from "./info.ts";
export { type StartSimulatorOptions, startSimulator } from "./launcher.ts";
export type { SimulatorOptions } from "./options.ts";
export type { Simulator } from "./simulator-handle.ts";
