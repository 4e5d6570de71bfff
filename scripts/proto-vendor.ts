/**
 * Regenerates proto/vendor/buf/validate/validate.proto from the descriptor embedded in the
 * @bufbuild/protovalidate npm package (buf cannot download it from the BSR offline), then compiles
 * it with buf and checks the result equals the embedded descriptor.
 *
 *   tsx scripts/proto-vendor.ts            # writes proto/vendor/buf/validate/validate.proto
 *   tsx scripts/proto-vendor.ts --out DIR  # writes DIR/buf/validate/validate.proto (used by proto-check)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkCompiledValidateProto,
  VALIDATE_PROTO_PATH,
  validateProtoSource,
} from "../libs/proto/scripts/vendor-validate.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const buf = join(root, "libs/proto/node_modules/.bin/buf");

const outIndex = process.argv.indexOf("--out");
const outDir =
  outIndex >= 0 ? resolve(process.argv[outIndex + 1] ?? "") : join(root, "proto/vendor");

const target = join(outDir, VALIDATE_PROTO_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, validateProtoSource());

const work = mkdtempSync(join(tmpdir(), "proto-vendor-"));
try {
  const moduleDir = join(work, "module");
  mkdirSync(join(moduleDir, dirname(VALIDATE_PROTO_PATH)), { recursive: true });
  writeFileSync(join(moduleDir, VALIDATE_PROTO_PATH), readFileSync(target));
  const image = join(work, "image.binpb");
  execFileSync(buf, ["build", moduleDir, "-o", image], { stdio: "inherit" });
  const problem = checkCompiledValidateProto(readFileSync(image));
  if (problem !== undefined) {
    console.error(`proto-vendor: ${problem}`);
    process.exit(1);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`proto-vendor: wrote ${target} (compiles, equals the embedded descriptor)`);
