import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { metrics } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import type { Resource } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";

export interface MetricsOptions {
  readonly host: string;
  /** 0 picks a free port; the bound URL is returned. */
  readonly port: number;
}

export interface MetricsEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A Prometheus scrape endpoint at `/metrics`, served by our own HTTP server (so port 0 really means
 * a free port), backed by the global OpenTelemetry meter provider.
 */
export async function installMetrics(
  resource: Resource,
  options: MetricsOptions,
): Promise<MetricsEndpoint> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        error: { code: "not_found", message: `no such path ${req.url}; try /metrics` },
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
      metrics.disable();
    },
  };
}
