import { describe, expect, it } from "vitest";
import { consoleLine } from "./console-lines.ts";

describe("consoleLine", () => {
  it("shows ready, health changes, warnings and errors; hides the rest", () => {
    expect(
      consoleLine(
        "registry",
        JSON.stringify({
          level: "info",
          event: "ready",
          msg: "ready",
          grpc: "127.0.0.1:7101",
          metrics: "http://m",
        }),
      ),
    ).toBe("[registry] ready: gRPC 127.0.0.1:7101, metrics http://m");
    expect(
      consoleLine(
        "health",
        JSON.stringify({ level: "info", event: "serving", msg: "health NOT_SERVING" }),
      ),
    ).toBe("[health] health NOT_SERVING");
    expect(
      consoleLine(
        "gateway",
        JSON.stringify({ level: "error", msg: "boom", err: { message: "x" } }),
      ),
    ).toBe("[gateway] error: boom (x)");
    expect(
      consoleLine("gateway", JSON.stringify({ level: "info", msg: "chatter" })),
    ).toBeUndefined();
    expect(consoleLine("gateway", "not json")).toBe("[gateway] not json");
  });
});
