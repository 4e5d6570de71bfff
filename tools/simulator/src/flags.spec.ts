import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { parseFlags, toFlags } from "./flags.ts";
import { resolveOptions } from "./options.ts";

function errorOf(fn: () => unknown): VisError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VisError) return err;
    throw err;
  }
  throw new Error("expected a VisError");
}

describe("parseFlags", () => {
  it("fills every default", () => {
    const parsed = parseFlags([]);
    expect(parsed.kind).toBe("run");
    if (parsed.kind !== "run") return;
    expect(parsed.options).toMatchObject({
      cameras: 4,
      host: "127.0.0.1",
      rtmpPort: 0,
      httpPort: 0,
      videoBitrate: 1_000_000,
      dataDir: undefined,
      recorderRetentionMs: 3_600_000,
      maxPlaybackWindowMs: 3_600_000,
    });
    expect(parsed.options.cacheDir).toMatch(/\.vis\/cache\/simulator\/?$/);
    expect(parsed.json).toBe(false);
  });

  it("reads values in both spellings", () => {
    const parsed = parseFlags([
      "--cameras=2",
      "--bitrate",
      "1.5M",
      "--retention",
      "30m",
      "--max-window=90s",
      "--http-port",
      "8081",
      "--json",
    ]);
    if (parsed.kind !== "run") throw new Error("expected run");
    expect(parsed.options.cameras).toBe(2);
    expect(parsed.options.videoBitrate).toBe(1_500_000);
    expect(parsed.options.recorderRetentionMs).toBe(1_800_000);
    expect(parsed.options.maxPlaybackWindowMs).toBe(90_000);
    expect(parsed.options.httpPort).toBe(8081);
    expect(parsed.json).toBe(true);
  });

  it.each([
    [["--cameras", "0"], "--cameras must be an integer 1..500"],
    [["--cameras", "501"], "--cameras must be an integer 1..500"],
    [["--cameras", "two"], "--cameras must be an integer 1..500"],
    [["--cameras"], "--cameras must be followed by a value"],
    [["--rtmp-port", "-1"], "--rtmp-port must be an integer 0..65535"],
    [["--http-port", "70000"], "--http-port must be an integer 0..65535"],
    [["--bitrate", "fast"], "--bitrate must be a bitrate like 1000k or 1.5M"],
    [["--bitrate", "50k"], "--bitrate must be a bitrate 100k..20M"],
    [["--retention", "1d"], "--retention must be a duration like 90s, 30m or 1h"],
    [["--retention", "10s"], "--retention must be a duration 30s..168h"],
    [["--host", "example.com"], "--host must be an IPv4 address or localhost"],
    [["--frobnicate"], "unknown flag --frobnicate (see --help)"],
  ])("refuses %j", (argv, message) => {
    const err = errorOf(() => parseFlags(argv));
    expect(err.code).toBe("invalid_argument");
    expect(err.message).toBe(message);
    expect(err.field).toBe(argv[0]?.split("=")[0]);
  });

  it("answers help", () => {
    expect(parseFlags(["--cameras", "3", "-h"])).toEqual({ kind: "help" });
  });

  it("round-trips resolved options through toFlags", () => {
    const options = resolveOptions({
      cameras: 7,
      videoBitrate: 800_000,
      dataDir: "/tmp/x",
      recorderRetentionMs: 90_000,
      maxPlaybackWindowMs: 1500,
    });
    const back = parseFlags(toFlags(options));
    expect(back).toEqual({ kind: "run", options, json: false, exitWithStdin: false });
  });
});

describe("resolveOptions", () => {
  it("names option fields for library callers", () => {
    const err = errorOf(() => resolveOptions({ cameras: 1.5 }));
    expect(err.toJSON()).toEqual({
      code: "invalid_argument",
      message: "cameras must be an integer 1..500",
      field: "cameras",
    });
    expect(errorOf(() => resolveOptions({ dataDir: " " })).field).toBe("dataDir");
  });
});
