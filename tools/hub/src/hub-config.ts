import { int, port, str, url } from "@vis/config";

/** The hub runner's settings (`VIS_*` environment or a file named by `VIS_CONFIG`). */
export const hubConfig = {
  nats: { url: url("", ["nats:", "tls:"], { optional: true }) },
  redis: { url: url("", ["redis:", "rediss:"], { optional: true }) },
  hub: {
    dir: str(".vis/hub"),
    cameras: int(4, 0, 64),
    natsPort: port(4222),
    redisPort: port(6379),
    grpcBasePort: port(7101),
    metricsBasePort: port(9101),
    /** The gateway's HTTP-FLV / WS-FLV / HLS port and its RTMP play port. */
    playPort: port(8088),
    playRtmpPort: port(1935),
    simRtmpPort: port(19350),
    simHttpPort: port(18080),
  },
} as const;

export const SERVICES = ["registry", "authorizer", "gateway", "health"] as const;
export type ServiceName = (typeof SERVICES)[number];
