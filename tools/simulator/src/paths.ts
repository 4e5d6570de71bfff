import { fileURLToPath } from "node:url";

/** The package folder (`tools/simulator`), where the child process runs so `--import tsx` resolves. */
export const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));

/** The CLI entry the launcher runs in a child process. */
export const CLI_ENTRY = fileURLToPath(new URL("./cli.ts", import.meta.url));

/** Default clip cache: `<repo>/.vis/cache/simulator/` (ignored by git and Biome). */
export const DEFAULT_CACHE_DIR = fileURLToPath(
  new URL("../../../.vis/cache/simulator/", import.meta.url),
);

/** The ffmpeg and ffprobe binaries; Debian's packages put them in /usr/bin. */
export const FFMPEG = "ffmpeg";
export const FFPROBE = "ffprobe";
