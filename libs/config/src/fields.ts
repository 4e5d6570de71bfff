/**
 * Field kinds for configuration specs. Each field knows its default and how to turn a raw value
 * (from a file: any JSON type; from the environment: a string) into a checked value, or say why not.
 */
export interface Field<T> {
  readonly kind: string;
  readonly default: T;
  readonly secret: boolean;
  /** Returns the parsed value or a reason (without the field name) it is refused. */
  parse(raw: unknown): { ok: true; value: T } | { ok: false; reason: string };
}

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const bad = <T>(reason: string): Result<T> => ({ ok: false, reason });
const show = (raw: unknown): string => (typeof raw === "string" ? `"${raw}"` : JSON.stringify(raw));

export function str(
  def: string,
  opts: { pattern?: RegExp; allowEmpty?: boolean; secret?: boolean } = {},
): Field<string> {
  return {
    kind: "string",
    default: def,
    secret: opts.secret ?? false,
    parse(raw) {
      if (typeof raw !== "string") return bad(`must be a string, got ${show(raw)}`);
      if (!opts.allowEmpty && raw === "") return bad("must not be empty");
      if (opts.pattern && raw !== "" && !opts.pattern.test(raw))
        return bad(`must match ${opts.pattern}, got ${show(raw)}`);
      return ok(raw);
    },
  };
}

export function int(def: number, min: number, max: number): Field<number> {
  return {
    kind: "integer",
    default: def,
    secret: false,
    parse(raw) {
      const n = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
      if (typeof n !== "number" || !Number.isInteger(n))
        return bad(`must be an integer, got ${show(raw)}`);
      if (n < min || n > max) return bad(`must be between ${min} and ${max}, got ${n}`);
      return ok(n);
    },
  };
}

export function port(def: number): Field<number> {
  return { ...int(def, 0, 65535), kind: "port" };
}

export function bool(def: boolean): Field<boolean> {
  return {
    kind: "boolean",
    default: def,
    secret: false,
    parse(raw) {
      if (typeof raw === "boolean") return ok(raw);
      if (raw === "true" || raw === "1") return ok(true);
      if (raw === "false" || raw === "0") return ok(false);
      return bad(`must be true or false, got ${show(raw)}`);
    },
  };
}

export function oneOf<const T extends string>(def: T, values: readonly T[]): Field<T> {
  return {
    kind: "enum",
    default: def,
    secret: false,
    parse(raw) {
      if (typeof raw === "string" && (values as readonly string[]).includes(raw))
        return ok(raw as T);
      return bad(`must be one of ${values.join(", ")}, got ${show(raw)}`);
    },
  };
}

/** A URL whose scheme is one of `protocols` (e.g. `["nats:"]`); "" allowed when `optional`. */
export function url(
  def: string,
  protocols: readonly string[],
  opts: { optional?: boolean } = {},
): Field<string> {
  return {
    kind: "url",
    default: def,
    secret: false,
    parse(raw) {
      if (typeof raw !== "string") return bad(`must be a URL string, got ${show(raw)}`);
      if (raw === "") return opts.optional ? ok("") : bad("must not be empty");
      const urls = raw.split(",").map((s) => s.trim());
      for (const u of urls) {
        let parsed: URL;
        try {
          parsed = new URL(u);
        } catch {
          return bad(`must be a ${protocols.join(" or ")} URL, got ${show(u)}`);
        }
        if (!protocols.includes(parsed.protocol))
          return bad(`must use ${protocols.join(" or ")}, got ${show(u)}`);
      }
      return ok(raw);
    },
  };
}
