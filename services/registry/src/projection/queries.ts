import { createHash } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import type { Redis } from "ioredis";
import type { EntityOf, Kind } from "../record/kinds.ts";
import { key, schemaOf } from "./indexes.ts";

/** One filter: an index key, or several keys of which any may match (a union). */
export type Clause = string | readonly string[];

export interface Page {
  readonly ids: string[];
  readonly next: string;
  readonly total: number;
}

const TMP_TTL_S = 60;

/** Reads of the projection: documents by id, and filtered pages in id order with an opaque cursor. */
export class Queries {
  constructor(private readonly redis: Redis) {}

  async doc<K extends Kind>(kind: K, id: string): Promise<EntityOf[K] | undefined> {
    const buf = await this.redis.getBuffer(key.doc(kind, id));
    return buf ? (fromBinary(schemaOf(kind), buf) as unknown as EntityOf[K]) : undefined;
  }

  async docs<K extends Kind>(kind: K, ids: readonly string[]): Promise<EntityOf[K][]> {
    if (ids.length === 0) return [];
    const bufs = await this.redis.mgetBuffer(...ids.map((id) => key.doc(kind, id)));
    return bufs
      .filter((b): b is Buffer => b !== null)
      .map((b) => fromBinary(schemaOf(kind), b) as unknown as EntityOf[K]);
  }

  /** All members of an index (small indexes only: systems of a district, filings of a system). */
  members(indexKey: string): Promise<string[]> {
    return this.redis.zrange(indexKey, "0", "-1");
  }

  /** A page of ids matching every clause, after `cursor`, in id order. */
  async page(
    kind: Kind,
    clauses: readonly Clause[],
    cursor: string,
    pageSize: number,
  ): Promise<Page> {
    const size = pageSize === 0 ? 100 : pageSize;
    const set = await this.resolve(kind, clauses);
    if (set === undefined) return { ids: [], next: "", total: 0 };
    const after = decodeCursor(cursor);
    const [ids, total] = await Promise.all([
      this.redis.zrange(
        set,
        after === "" ? "-" : `(${after}`,
        "+",
        "BYLEX",
        "LIMIT",
        "0",
        String(size + 1),
      ),
      this.redis.zcard(set),
    ]);
    const more = ids.length > size;
    const page = more ? ids.slice(0, size) : ids;
    return { ids: page, next: more ? encodeCursor(page[page.length - 1] ?? "") : "", total };
  }

  /** The key of a sorted set holding the answer; composed sets are cached per projection generation. */
  private async resolve(kind: Kind, clauses: readonly Clause[]): Promise<string | undefined> {
    const list = clauses.length === 0 ? [key.all(kind)] : clauses;
    if (list.some((c) => typeof c !== "string" && c.length === 0)) return undefined;
    if (list.length === 1 && typeof list[0] === "string") return list[0];
    const gen = (await this.redis.get(key.gen)) ?? "0";
    const hash = createHash("sha1").update(JSON.stringify(list)).digest("hex");
    const tmp = `reg:tmp:${kind}:${gen}:${hash}`;
    if ((await this.redis.exists(tmp)) === 1) return tmp;
    const multi = this.redis.multi();
    const parts: string[] = [];
    list.forEach((c, i) => {
      if (typeof c === "string") parts.push(c);
      else if (c.length === 1 && c[0] !== undefined) parts.push(c[0]);
      else {
        const u = `${tmp}:u${i}`;
        multi.zunionstore(u, c.length, ...c, "AGGREGATE", "MIN");
        multi.expire(u, TMP_TTL_S);
        parts.push(u);
      }
    });
    multi.zinterstore(tmp, parts.length, ...parts, "AGGREGATE", "MIN");
    multi.expire(tmp, TMP_TTL_S);
    await multi.exec();
    return tmp;
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

function decodeCursor(cursor: string): string {
  if (cursor === "") return "";
  const id = Buffer.from(cursor, "base64url").toString();
  if (!/^[A-Za-z0-9._-]+$/.test(id))
    throw new VisError("invalid_argument", "cursor: not a cursor this API returned", {
      field: "cursor",
    });
  return id;
}
