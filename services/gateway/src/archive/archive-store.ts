import { readFileSync } from "node:fs";
import { FsSegmentStore, S3SegmentStore, type SegmentStore } from "@vis/archive";
import type { ConfigOf } from "@vis/config";
import { envName } from "@vis/config";
import { VisError } from "@vis/errors";
import type { archiveConfig } from "./archive-config.ts";

type ArchiveSettings = ConfigOf<typeof archiveConfig>["archive"];

/** Which store the settings name, checked across fields (each problem names its field). */
export type StoreChoice =
  | { readonly kind: "fs"; readonly dir: string }
  | {
      readonly kind: "s3";
      readonly endpoint: string;
      readonly bucket: string;
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
    };

/** Whether the gateway runs the archive at all: a folder for `fs`, or the `s3` store chosen. */
export function archiveEnabled(c: Pick<ArchiveSettings, "dir" | "store">): boolean {
  return c.store === "s3" || c.dir !== "";
}

const missing = (field: keyof ArchiveSettings, why: string): VisError =>
  new VisError(
    "invalid_argument",
    `config archive.${field}: ${why} (${envName(["archive", field])})`,
    { field: `archive.${field}` },
  );

/**
 * The store the settings describe. With `s3`, endpoint, bucket and access key id are required and
 * the secret comes from exactly one of `s3SecretFile` (read here, trimmed) or `s3SecretAccessKey`.
 */
export function storeChoice(
  c: ArchiveSettings,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): StoreChoice {
  if (c.store === "fs") {
    if (c.dir === "") throw missing("dir", "must be set when archive.store is fs");
    return { kind: "fs", dir: c.dir };
  }
  if (c.s3Endpoint === "") throw missing("s3Endpoint", "must be set when archive.store is s3");
  if (c.s3Bucket === "") throw missing("s3Bucket", "must be set when archive.store is s3");
  if (c.s3AccessKeyId === "") {
    throw missing("s3AccessKeyId", "must be set when archive.store is s3");
  }
  if (c.s3SecretFile !== "" && c.s3SecretAccessKey !== "") {
    throw missing("s3SecretFile", "set either archive.s3SecretFile or archive.s3SecretAccessKey");
  }
  let secret = c.s3SecretAccessKey;
  if (c.s3SecretFile !== "") {
    try {
      secret = readFile(c.s3SecretFile).trim();
    } catch (err) {
      throw missing("s3SecretFile", `cannot read ${c.s3SecretFile}: ${(err as Error).message}`);
    }
    if (secret === "") throw missing("s3SecretFile", `${c.s3SecretFile} is empty`);
  }
  if (secret === "") {
    throw missing(
      "s3SecretFile",
      "the secret access key is needed when archive.store is s3 (archive.s3SecretFile or archive.s3SecretAccessKey)",
    );
  }
  return {
    kind: "s3",
    endpoint: c.s3Endpoint.replace(/\/$/, ""),
    bucket: c.s3Bucket,
    region: c.s3Region,
    accessKeyId: c.s3AccessKeyId,
    secretAccessKey: secret,
  };
}

/** The store itself, and a description safe to log (no secret). */
export function openStore(choice: StoreChoice): { store: SegmentStore; where: string } {
  if (choice.kind === "fs") return { store: new FsSegmentStore(choice.dir), where: choice.dir };
  return {
    store: new S3SegmentStore(choice),
    where: `${choice.endpoint}/${choice.bucket}`,
  };
}
