import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "@vis/config";
import { commonConfig } from "@vis/runtime";
import { repoRoot } from "@vis/test-harness";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// The Kubernetes manifests are checked against the services' real configuration rules.
const dir = join(repoRoot(), "deploy", "k8s");
interface Port {
  name: string;
  targetPort: number;
}
interface Container {
  env: { name: string; value: string }[];
  readinessProbe: { grpc: { port: number } };
}
interface Doc {
  kind: string;
  metadata: { name: string };
  spec: {
    selector: Record<string, unknown>;
    ports: Port[];
    template: { spec: { containers: Container[] } };
  };
}
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJSON() as Doc),
  );
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

describe("deploy/k8s", () => {
  it("has a Deployment and a Service for each of the four services", () => {
    const names = (kind: string) => byKind(kind).map((d) => d.metadata.name);
    for (const s of ["registry", "authorizer", "gateway", "health"]) {
      expect(names("Deployment")).toContain(s);
      expect(names("Service")).toContain(s);
    }
  });

  for (const deployment of byKind("Deployment")) {
    const name = deployment.metadata.name;
    const container = deployment.spec.template.spec.containers[0] as Container;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));

    it(`${name}: its environment passes the service's config validation`, () => {
      const config = loadConfig(commonConfig, { env });
      expect(config.grpc.host).toBe("0.0.0.0");
      expect(config.nats.url).toMatch(/^nats:\/\/nats\./);
    });

    it(`${name}: probes and Service ports match the configured ports`, () => {
      const config = loadConfig(commonConfig, { env });
      expect(container.readinessProbe.grpc.port).toBe(config.grpc.port);
      const service = byKind("Service").find((s) => s.metadata.name === name);
      const targets = (service?.spec.ports ?? []).map((p) => [p.name, p.targetPort]);
      expect(targets).toEqual([
        ["grpc", config.grpc.port],
        ["metrics", config.metrics.port],
      ]);
      expect(service?.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    });
  }
});
