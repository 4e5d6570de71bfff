import { readFileSync } from "node:fs";
import { VisError } from "@vis/errors";
import { parse as parseYaml } from "yaml";
import type { Field } from "./fields.ts";

/** A spec is a tree of fields; its value type mirrors the tree. */
export type Spec = { readonly [key: string]: Field<unknown> | Spec };
export type ConfigOf<S extends Spec> = {
  -readonly [K in keyof S]: S[K] extends Field<infer T>
    ? T
    : S[K] extends Spec
      ? ConfigOf<S[K]>
      : never;
};

export interface LoadOptions {
  /** The environment as a map (never read from the global `process.env` here). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Environment prefix, `VIS_` by default. */
  readonly prefix?: string;
  /** Config file path; when absent, `<prefix>CONFIG` from env is used, if set. */
  readonly file?: string;
}

const isField = (x: Field<unknown> | Spec): x is Field<unknown> =>
  typeof (x as Field<unknown>).parse === "function";

/** `nats.connectTimeoutMs` → `VIS_NATS_CONNECT_TIMEOUT_MS`. */
export function envName(path: readonly string[], prefix = "VIS_"): string {
  return prefix + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_");
}

/**
 * Defaults → optional file (JSON or YAML) → prefixed environment → one validation. Every problem is
 * collected; if there is any, one `invalid_argument` VisError names each bad field and where its value
 * came from. Unknown keys in the file are refused (a typo must not fall back to a default silently).
 */
export function loadConfig<S extends Spec>(spec: S, options: LoadOptions): ConfigOf<S> {
  const prefix = options.prefix ?? "VIS_";
  const filePath = options.file ?? options.env[`${prefix}CONFIG`];
  const problems: { field: string; text: string }[] = [];
  let fileValues: unknown = {};
  if (filePath) {
    try {
      const text = readFileSync(filePath, "utf8");
      fileValues = filePath.endsWith(".json") ? JSON.parse(text) : (parseYaml(text) ?? {});
    } catch (err) {
      const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new VisError("invalid_argument", `config file ${filePath}: ${reason}`, {
        field: "config",
        cause: err,
      });
    }
  }

  const walk = (node: Spec, fromFile: unknown, path: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const fileObj =
      fromFile !== null && typeof fromFile === "object"
        ? (fromFile as Record<string, unknown>)
        : {};
    for (const key of Object.keys(fileObj)) {
      if (!(key in node))
        problems.push({ field: [...path, key].join("."), text: `unknown key in ${filePath}` });
    }
    for (const [key, child] of Object.entries(node)) {
      const p = [...path, key];
      const dotted = p.join(".");
      if (!isField(child)) {
        out[key] = walk(child, fileObj[key], p);
        continue;
      }
      const env = envName(p, prefix);
      const fromEnv = options.env[env];
      const [raw, source] =
        fromEnv !== undefined
          ? [fromEnv, env]
          : key in fileObj
            ? [fileObj[key], filePath ?? "file"]
            : [undefined, ""];
      if (raw === undefined) {
        out[key] = child.default;
        continue;
      }
      const parsed = child.parse(raw);
      if (parsed.ok) out[key] = parsed.value;
      else problems.push({ field: dotted, text: `${parsed.reason} (from ${source})` });
    }
    return out;
  };

  const value = walk(spec, fileValues, []);
  if (problems.length > 0) {
    const first = problems[0] as { field: string; text: string };
    const message = problems.map((p) => `config ${p.field}: ${p.text}`).join("; ");
    throw new VisError("invalid_argument", message, { field: first.field });
  }
  return value as ConfigOf<S>;
}

/** A copy safe to log or return over an API: secret fields replaced by "***". */
export function redact<S extends Spec>(spec: S, value: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(spec)) {
    const v = (value as Record<string, unknown>)[key];
    if (isField(child)) out[key] = child.secret && v !== "" ? "***" : v;
    else out[key] = redact(child, v as ConfigOf<Spec>);
  }
  return out;
}
