import { VisError } from "@vis/errors";
import { type Command, Redis, type RedisOptions } from "ioredis";

/** Commands ioredis itself sends while the connection handshakes (status "connect"). */
const HANDSHAKE = new Set(["auth", "hello", "client", "select", "info", "readonly", "ping"]);

type Stream = Parameters<Redis["sendCommand"]>[1];

/**
 * ioredis with a bounded offline queue. While the connection is not ready at most `maxOffline`
 * commands wait (each still bounded by `commandTimeout`); more fail at once with `unavailable`.
 * A command that already timed out or failed is never sent later: neither from the offline queue
 * when the connection comes back, nor in ioredis's resend of in-flight commands after a reconnect.
 */
export class BoundedRedis extends Redis {
  private waiting = 0;

  constructor(
    url: string,
    options: Omit<RedisOptions, "replyMapping">,
    private readonly maxOffline: number,
  ) {
    super(url, options);
  }

  /** Commands waiting for the connection right now. */
  get offlineCount(): number {
    return this.waiting;
  }

  override sendCommand(command: Command, stream?: Stream): unknown {
    if (command.isSettled) return command.promise;
    const handshaking = this.status === "connect" && HANDSHAKE.has(command.name.toLowerCase());
    if (this.status !== "ready" && !handshaking) {
      if (this.waiting >= this.maxOffline) {
        command.reject(
          new VisError(
            "unavailable",
            `Redis is not connected (${this.status}) and ${this.maxOffline} commands already wait`,
          ),
        );
        return command.promise;
      }
      this.waiting++;
      const done = () => {
        this.waiting--;
      };
      command.promise.then(done, done);
    }
    return super.sendCommand(command, stream);
  }
}
