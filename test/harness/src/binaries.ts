import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The Debian package that provides each binary the harness starts. */
const DEBIAN_PACKAGE: Record<string, string> = {
  "nats-server": "nats-server",
  "redis-server": "redis-server",
  ffmpeg: "ffmpeg",
};

const EXTRA_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"];

/**
 * Finds an executable on PATH, then in the sbin folders Debian uses for daemons (nats-server lands in
 * /usr/sbin, which is not on every PATH). Throws one line naming the package to install.
 */
export function findBinary(name: string, path: string = process.env.PATH ?? ""): string {
  const dirs = [...path.split(delimiter).filter((d) => d !== ""), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  const pkg = DEBIAN_PACKAGE[name] ?? name;
  throw new Error(
    `${name} not found on PATH or in ${EXTRA_DIRS.join(", ")}: install it with \`apt-get install -y ${pkg}\``,
  );
}
