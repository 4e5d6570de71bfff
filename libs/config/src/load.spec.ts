import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { bool, int, oneOf, port, str, url } from "./fields.ts";
import { envName, loadConfig, redact } from "./load.ts";

const spec = {
  grpc: { host: str("127.0.0.1"), port: port(0) },
  nats: { url: url("nats://127.0.0.1:4222", ["nats:"]), connectTimeoutMs: int(5000, 100, 60_000) },
  log: { level: oneOf("info", ["debug", "info", "warn", "error"] as const) },
  tls: { enabled: bool(false), keySecret: str("", { allowEmpty: true, secret: true }) },
};

const tmpFile = (name: string, text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "vis-config-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("loadConfig", () => {
  it("returns defaults when nothing is given", () => {
    const c = loadConfig(spec, { env: {} });
    expect(c.grpc.port).toBe(0);
    expect(c.nats.url).toBe("nats://127.0.0.1:4222");
    expect(c.log.level).toBe("info");
  });

  it("layers file under environment", () => {
    const file = tmpFile("c.yaml", "grpc:\n  port: 7000\nnats:\n  connectTimeoutMs: 900\n");
    const c = loadConfig(spec, { env: { VIS_CONFIG: file, VIS_GRPC_PORT: "7001" } });
    expect(c.grpc.port).toBe(7001);
    expect(c.nats.connectTimeoutMs).toBe(900);
  });

  it("names the bad field and where the value came from", () => {
    const run = () =>
      loadConfig(spec, { env: { VIS_NATS_URL: "http://x", VIS_GRPC_PORT: "70000" } });
    expect(run).toThrow(VisError);
    try {
      run();
    } catch (err) {
      const e = err as VisError;
      expect(e.code).toBe("invalid_argument");
      expect(e.field).toBe("grpc.port");
      expect(e.message).toContain(
        "config grpc.port: must be between 0 and 65535, got 70000 (from VIS_GRPC_PORT)",
      );
      expect(e.message).toContain(
        'config nats.url: must use nats:, got "http://x" (from VIS_NATS_URL)',
      );
    }
  });

  it("refuses unknown keys in the file instead of ignoring a typo", () => {
    const file = tmpFile("c.json", JSON.stringify({ grpc: { prot: 1 } }));
    expect(() => loadConfig(spec, { env: {}, file })).toThrow(/config grpc\.prot: unknown key/);
  });

  it("reports an unreadable file in one line", () => {
    expect(() => loadConfig(spec, { env: { VIS_CONFIG: "/nonexistent/vis.yaml" } })).toThrow(
      /^config file \/nonexistent\/vis\.yaml: ENOENT/,
    );
  });

  it("maps camelCase paths to VIS_ names", () => {
    expect(envName(["nats", "connectTimeoutMs"])).toBe("VIS_NATS_CONNECT_TIMEOUT_MS");
  });

  it("redacts secrets", () => {
    const c = loadConfig(spec, { env: { VIS_TLS_KEY_SECRET: "hunter2" } });
    expect(JSON.stringify(redact(spec, c))).not.toContain("hunter2");
  });
});
