import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Jwks, RevocationList } from "@vis/grants";
import { Access } from "@vis/proto/vis/access/v1/access_pb";
import { createRpcClient, type RpcClient } from "@vis/rpc";

/**
 * The authorizer's public keys and current revocations, kept fresh for local verification:
 * loaded at start (retried until it answers), then every `refreshMs`, and at once (at most every
 * 5 s) when a token names a key we do not hold.
 */
export class AccessKeys {
  readonly #client: RpcClient<typeof Access>;
  readonly #revoked: RevocationList;
  readonly #onError: (err: unknown) => void;
  #jwks: Jwks | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastRefresh = 0;

  constructor(address: string, revoked: RevocationList, onError: (err: unknown) => void) {
    this.#client = createRpcClient(Access, { address, deadlineMs: 3000 });
    this.#revoked = revoked;
    this.#onError = onError;
  }

  /** The JWKS, or undefined until the authorizer first answered. */
  get jwks(): Jwks | undefined {
    return this.#jwks;
  }

  start(refreshMs: number): void {
    const tick = async () => {
      await this.refresh();
      this.#timer = setTimeout(tick, this.#jwks === undefined ? 2000 : refreshMs);
      this.#timer.unref();
    };
    void tick();
  }

  /** Asks again now, unless it did so in the last 5 s. */
  refreshSoon(): void {
    if (Date.now() - this.#lastRefresh > 5000) void this.refresh();
  }

  async refresh(): Promise<void> {
    this.#lastRefresh = Date.now();
    try {
      const [keys, revocations] = await Promise.all([
        this.#client.getJwks({}),
        this.#client.listRevocations({}),
      ]);
      this.#jwks = JSON.parse(keys.jwksJson) as Jwks;
      for (const g of revocations.grants) {
        const ends = g.grantEndsAt
          ? timestampDate(g.grantEndsAt).getTime()
          : Date.now() + 86_400_000;
        this.#revoked.add(g.grantId, ends);
      }
      this.#revoked.prune();
    } catch (err) {
      this.#onError(err);
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#client.close();
  }
}
