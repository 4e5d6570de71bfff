import { create } from "@bufbuild/protobuf";
import {
  ProbeProtocol,
  type ProbeTarget,
  ProbeTargetSchema,
  TargetKind,
  TargetOrigin,
} from "@vis/proto/vis/health/v1/status_pb";
import {
  type Camera,
  type Endpoint,
  EndpointProtocol,
  StreamProtocol,
} from "@vis/proto/vis/registry/v1/model_pb";

/** What the adapter knows about a system from its events (and its owner agency's). */
export interface SystemFacts {
  readonly agencyId: string;
  readonly district: string;
  readonly name: string;
}

const CAMERA_PROBES: Partial<Record<StreamProtocol, ProbeProtocol>> = {
  [StreamProtocol.HTTP_FLV]: ProbeProtocol.HTTP_FLV,
  [StreamProtocol.RTMP]: ProbeProtocol.RTMP,
  [StreamProtocol.RTSP]: ProbeProtocol.RTSP,
  [StreamProtocol.HLS]: ProbeProtocol.TCP,
};

const schemeProbe = (url: string): ProbeProtocol => {
  if (/^https?:\/\/.*\.flv(\?|$)/.test(url)) return ProbeProtocol.HTTP_FLV;
  if (url.startsWith("rtmp://")) return ProbeProtocol.RTMP;
  if (url.startsWith("rtsp://")) return ProbeProtocol.RTSP;
  if (/^https?:\/\//.test(url)) return ProbeProtocol.TCP;
  return ProbeProtocol.PASSIVE;
};

/**
 * A registered camera as a probe target (id = camera id): its preferred live source, probed by
 * the source's protocol (HTTP-FLV first tag, RTMP handshake, RTSP OPTIONS); GB28181 and sources we
 * cannot reach are watched passively (gateway stats, reports). Undefined when dismantled.
 */
export function cameraTarget(c: Camera, sys: SystemFacts | undefined): ProbeTarget | undefined {
  if (c.dismantledDate !== "") return undefined;
  const source = [...c.liveSources].sort((a, b) => a.priority - b.priority)[0];
  const url = source?.url ?? "";
  let protocol =
    source === undefined
      ? ProbeProtocol.PASSIVE
      : (CAMERA_PROBES[source.protocol] ?? schemeProbe(url));
  if (url.startsWith("rtmps://") || url.startsWith("rtsps://") || url.startsWith("gb28181://"))
    protocol = ProbeProtocol.PASSIVE;
  return create(ProbeTargetSchema, {
    id: c.id,
    kind: TargetKind.CAMERA,
    protocol,
    url: protocol === ProbeProtocol.PASSIVE ? "" : url,
    name: c.name,
    systemId: c.systemId,
    agencyId: sys?.agencyId ?? "",
    district: sys?.district ?? "",
    operator: sys?.agencyId ?? "",
    origin: TargetOrigin.REGISTRY,
  });
}

/** A registered interconnect endpoint as a probe target (id = `endpoint:<id>`). */
export function endpointTarget(e: Endpoint, sys: SystemFacts | undefined): ProbeTarget {
  const hasScheme = /^[a-z0-9+]+:\/\//.test(e.address);
  let url = hasScheme ? e.address : `tcp://${e.address}`;
  let protocol = ProbeProtocol.TCP;
  if (e.protocol === EndpointProtocol.RTMP && (url.startsWith("rtmp://") || !hasScheme)) {
    protocol = ProbeProtocol.RTMP;
    if (!hasScheme) url = `rtmp://${e.address}`;
  } else if (e.protocol === EndpointProtocol.RTSP && (url.startsWith("rtsp://") || !hasScheme)) {
    protocol = ProbeProtocol.RTSP;
    if (!hasScheme) url = `rtsp://${e.address}`;
  } else if (!/^(tcp|http|https|rtmp|rtsp):\/\//.test(url)) {
    protocol = ProbeProtocol.PASSIVE;
    url = "";
  } else if (url.startsWith("tcp://") && !/:\d+$/.test(url)) {
    protocol = ProbeProtocol.PASSIVE;
    url = "";
  }
  const p = e.probe;
  const unset = p === undefined || (!p.enabled && p.intervalSeconds === 0 && p.timeoutMs === 0);
  return create(ProbeTargetSchema, {
    id: `endpoint:${e.id}`,
    kind: TargetKind.ENDPOINT,
    protocol,
    url,
    name: e.address,
    systemId: e.systemId,
    agencyId: sys?.agencyId ?? "",
    district: sys?.district ?? "",
    operator: sys?.agencyId ?? "",
    probe: unset
      ? undefined
      : { intervalSeconds: p.intervalSeconds, timeoutMs: p.timeoutMs, disabled: !p.enabled },
    maintenance: e.maintenance.map((m) => ({ start: m.start, end: m.end, note: m.note })),
    origin: TargetOrigin.REGISTRY,
  });
}
