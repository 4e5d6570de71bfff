// For the composition root and the test suites: the gateway core and its ports.
export { FlvDemuxer, type FlvUnit, flvHeader } from "./flv/flv-demuxer.ts";
export { Gateway, type GatewayEvents, type GatewayOptions } from "./gateway.ts";
export { StreamHub } from "./hub/stream-hub.ts";
export type { StreamManagerOptions, StreamStats } from "./hub/stream-manager.ts";
export { DEFAULT_HUB_LIMITS, type HubLimits, type ViewerSink } from "./hub/viewer-sink.ts";
export { type GatewayPeer, PeerDirectory, placeCamera } from "./placement/placement.ts";
export { GrantsAuthorizer } from "./sessions/grants-authorizer.ts";
export type {
  PlayAuthorizer,
  PlayGrant,
  PlayProtocol,
  PlayRequest,
} from "./sessions/play-authorizer.ts";
export type { EndReason, Session } from "./sessions/session-registry.ts";
export { type SourceResolver, templateSources } from "./sources.ts";
export type { UpstreamState } from "./upstream/ffmpeg-pull.ts";
