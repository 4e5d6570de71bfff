import { FsSegmentStore, S3SegmentStore } from "@vis/archive";
import { loadConfig } from "@vis/config";
import { describe, expect, it } from "vitest";
import { archiveConfig } from "./archive-config.ts";
import { archiveEnabled, openStore, storeChoice } from "./archive-store.ts";

const settings = (env: Record<string, string>) => loadConfig(archiveConfig, { env }).archive;
const s3Env = {
  VIS_ARCHIVE_STORE: "s3",
  VIS_ARCHIVE_S3_ENDPOINT: "http://127.0.0.1:9000",
  VIS_ARCHIVE_S3_BUCKET: "vis-archive",
  VIS_ARCHIVE_S3_ACCESS_KEY_ID: "AKIDEXAMPLE",
};

describe("archive store choice", () => {
  it("fs by default, on only with a folder", () => {
    expect(archiveEnabled(settings({}))).toBe(false);
    const c = settings({ VIS_ARCHIVE_DIR: "/var/lib/vis/archive" });
    expect(archiveEnabled(c)).toBe(true);
    expect(storeChoice(c)).toEqual({ kind: "fs", dir: "/var/lib/vis/archive" });
    expect(openStore(storeChoice(c)).store).toBeInstanceOf(FsSegmentStore);
  });

  it("s3 with the secret read from a file (trimmed), no folder needed", () => {
    const c = settings({ ...s3Env, VIS_ARCHIVE_S3_SECRET_FILE: "/run/secrets/s3" });
    expect(archiveEnabled(c)).toBe(true);
    const choice = storeChoice(c, (p) => (p === "/run/secrets/s3" ? "s3cr3t\n" : ""));
    expect(choice).toEqual({
      kind: "s3",
      endpoint: "http://127.0.0.1:9000",
      bucket: "vis-archive",
      region: "us-east-1",
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "s3cr3t",
    });
    const opened = openStore(choice);
    expect(opened.store).toBeInstanceOf(S3SegmentStore);
    expect(opened.where).toBe("http://127.0.0.1:9000/vis-archive");
  });

  it("s3 with the secret from the environment", () => {
    const c = settings({ ...s3Env, VIS_ARCHIVE_S3_SECRET_ACCESS_KEY: "from-env" });
    expect(storeChoice(c)).toMatchObject({ kind: "s3", secretAccessKey: "from-env" });
  });

  it("names the missing field and its variable", () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ VIS_ARCHIVE_STORE: "fs" }, "archive.dir", /VIS_ARCHIVE_DIR/],
      [{ ...s3Env, VIS_ARCHIVE_S3_BUCKET: "" }, "archive.s3Bucket", /VIS_ARCHIVE_S3_BUCKET/],
      [{ ...s3Env, VIS_ARCHIVE_S3_ENDPOINT: "" }, "archive.s3Endpoint", /VIS_ARCHIVE_S3_ENDPOINT/],
      [
        { ...s3Env, VIS_ARCHIVE_S3_ACCESS_KEY_ID: "" },
        "archive.s3AccessKeyId",
        /VIS_ARCHIVE_S3_ACCESS_KEY_ID/,
      ],
      [s3Env, "archive.s3SecretFile", /secret access key is needed/],
      [
        { ...s3Env, VIS_ARCHIVE_S3_SECRET_FILE: "/f", VIS_ARCHIVE_S3_SECRET_ACCESS_KEY: "x" },
        "archive.s3SecretFile",
        /either/,
      ],
    ];
    for (const [env, field, message] of cases) {
      let caught: unknown;
      try {
        storeChoice(settings(env), () => "secret");
      } catch (err) {
        caught = err;
      }
      expect(caught, field).toMatchObject({ code: "invalid_argument", field });
      expect((caught as Error).message).toMatch(message);
    }
  });

  it("an unreadable or empty secret file is named", () => {
    const c = settings({ ...s3Env, VIS_ARCHIVE_S3_SECRET_FILE: "/nope" });
    expect(() =>
      storeChoice(c, () => {
        throw new Error("ENOENT");
      }),
    ).toThrow(/archive\.s3SecretFile: cannot read \/nope: ENOENT/);
    expect(() => storeChoice(c, () => " \n")).toThrow(/archive\.s3SecretFile: \/nope is empty/);
  });

  it("field-level validation names the field", () => {
    expect(() => settings({ VIS_ARCHIVE_STORE: "gcs" })).toThrow(
      /config archive\.store: must be one of fs, s3/,
    );
    expect(() => settings({ VIS_ARCHIVE_S3_ENDPOINT: "s3.example" })).toThrow(
      /config archive\.s3Endpoint/,
    );
    expect(() => settings({ VIS_ARCHIVE_S3_BUCKET: "Bad_Bucket" })).toThrow(
      /config archive\.s3Bucket/,
    );
    expect(() => settings({ VIS_ARCHIVE_LEASE_TTL_MS: "10" })).toThrow(
      /config archive\.leaseTtlMs/,
    );
  });
});
