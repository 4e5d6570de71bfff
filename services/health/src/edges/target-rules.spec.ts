import { create } from "@bufbuild/protobuf";
import { ProbeProtocol, ProbeTargetSchema, TargetKind } from "@vis/proto/vis/health/v1/status_pb";
import { describe, expect, it } from "vitest";
import { checkTarget } from "./target-rules.ts";

const t = (init: Record<string, unknown>) =>
  create(ProbeTargetSchema, { id: "a", kind: TargetKind.CAMERA, ...init });
const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; field: string; message: string };
  }
  return undefined;
};

describe("checkTarget", () => {
  it("accepts a URL that fits the protocol", () => {
    expect(
      refusal(() =>
        checkTarget(
          t({ protocol: ProbeProtocol.HTTP_FLV, url: "http://h:1/live/a.flv" }),
          "targets[0]",
          10_000,
        ),
      ),
    ).toBeUndefined();
    expect(
      refusal(() =>
        checkTarget(t({ protocol: ProbeProtocol.PASSIVE, url: "" }), "targets[0]", 10_000),
      ),
    ).toBeUndefined();
  });

  it("names the field of each refusal", () => {
    expect(
      refusal(() =>
        checkTarget(t({ protocol: ProbeProtocol.RTMP, url: "" }), "targets[1]", 10_000),
      ),
    ).toMatchObject({
      code: "invalid_argument",
      field: "targets[1].url",
    });
    expect(
      refusal(() =>
        checkTarget(t({ protocol: ProbeProtocol.TCP, url: "tcp://h" }), "targets[0]", 10_000),
      )?.message,
    ).toBe("targets[0].url: tcp:// needs a port");
    expect(
      refusal(() =>
        checkTarget(
          t({
            protocol: ProbeProtocol.TCP,
            url: "tcp://h:1",
            probe: { intervalSeconds: 1, timeoutMs: 1000 },
          }),
          "targets[0]",
          10_000,
        ),
      )?.field,
    ).toBe("targets[0].probe.timeout_ms");
    expect(
      refusal(() =>
        checkTarget(
          t({
            protocol: ProbeProtocol.TCP,
            url: "tcp://h:1",
            maintenance: [{ start: { seconds: 10n }, end: { seconds: 5n } }],
          }),
          "targets[0]",
          10_000,
        ),
      )?.field,
    ).toBe("targets[0].maintenance[0].end");
  });
});
