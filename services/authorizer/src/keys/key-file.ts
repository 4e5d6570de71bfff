import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateSigningKey, type KeyRing, rotateKeyRing } from "@vis/grants";

/**
 * The key ring on disk (JSON, mode 0600): created with one fresh Ed25519 key when missing,
 * rewritten atomically on rotation, re-read when another instance rotated it.
 */
export class KeyFile {
  private ring: KeyRing = { keys: [] };
  private mtimeMs = 0;
  private watcher: NodeJS.Timeout | undefined;

  constructor(private readonly path: string) {}

  async load(onChange?: (ring: KeyRing) => void): Promise<KeyRing> {
    try {
      this.read();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.write({ keys: [await generateSigningKey()] });
    }
    this.watcher = setInterval(() => {
      try {
        if (statSync(this.path).mtimeMs !== this.mtimeMs) {
          this.read();
          onChange?.(this.ring);
        }
      } catch {
        // kept: the ring in memory stays valid
      }
    }, 2000);
    this.watcher.unref();
    return this.ring;
  }

  get current(): KeyRing {
    return this.ring;
  }

  async rotate(graceMs: number): Promise<KeyRing> {
    this.write(await rotateKeyRing(this.ring, graceMs));
    return this.ring;
  }

  close(): void {
    if (this.watcher) clearInterval(this.watcher);
  }

  private read(): void {
    const ring = JSON.parse(readFileSync(this.path, "utf8")) as KeyRing;
    if (!Array.isArray(ring.keys) || ring.keys.length === 0)
      throw new Error(`${this.path}: no keys`);
    this.ring = ring;
    this.mtimeMs = statSync(this.path).mtimeMs;
  }

  private write(ring: KeyRing): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(ring, null, 2), { mode: 0o600 });
    renameSync(tmp, this.path);
    this.ring = ring;
    this.mtimeMs = statSync(this.path).mtimeMs;
  }
}
