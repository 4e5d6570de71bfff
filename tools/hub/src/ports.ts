import { createServer } from "node:net";
import { VisError } from "@vis/errors";

/** Refuses to start on a taken port, naming the setting that moves it. */
export async function ensurePortFree(
  port: number,
  what: string,
  ...settings: string[]
): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new VisError(
      "failed_precondition",
      `port ${port} for ${what} is already in use on 127.0.0.1: stop what holds it, or set ${settings.join(" or ")}`,
      { field: settings[0] },
    );
  }
}
