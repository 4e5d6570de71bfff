import type { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { flagInt, parseArgs } from "./args.ts";
import { resolveTarget } from "./targets.ts";

describe("parseArgs", () => {
  it("splits command, positionals and flags", () => {
    const a = parseArgs(
      ["health", "registry", "--json", "--timeout", "200", "--gateway=1.2.3.4:5"],
      new Set(["json"]),
    );
    expect(a.command).toBe("health");
    expect(a.positional).toEqual(["registry"]);
    expect(a.flags.get("json")).toBe(true);
    expect(flagInt(a, "timeout", 1, 1000)).toBe(200);
    expect(a.flags.get("gateway")).toBe("1.2.3.4:5");
  });

  it("names the flag that lacks a value or has a bad one", () => {
    expect(() => parseArgs(["status", "--timeout"], new Set())).toThrow("--timeout needs a value");
    const a = parseArgs(["status", "--timeout", "soon"], new Set());
    try {
      flagInt(a, "timeout", 1, 10);
      expect.unreachable();
    } catch (err) {
      expect((err as VisError).field).toBe("--timeout");
      expect((err as VisError).code).toBe("invalid_argument");
    }
  });
});

describe("resolveTarget", () => {
  it("prefers the flag, then the environment, then the hub default", () => {
    const flags = new Map<string, string | true>([["registry", "10.0.0.1:9"]]);
    expect(resolveTarget("registry", flags, {}).address).toBe("10.0.0.1:9");
    expect(resolveTarget("registry", new Map(), { VIS_REGISTRY_ADDR: "h:1" }).address).toBe("h:1");
    expect(resolveTarget("health", new Map(), {}).address).toBe("127.0.0.1:7104");
    expect(resolveTarget("127.0.0.1:5000", new Map(), {}).address).toBe("127.0.0.1:5000");
  });

  it("refuses unknown targets and malformed addresses", () => {
    expect(() => resolveTarget("regsitry", new Map(), {})).toThrow(/unknown target "regsitry"/);
    expect(() => resolveTarget("gateway", new Map(), { VIS_GATEWAY_ADDR: "nope" })).toThrow(
      /--gateway must be host:port/,
    );
  });
});
