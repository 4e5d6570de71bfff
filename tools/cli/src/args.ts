import { VisError } from "@vis/errors";

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

/** `--name value`, `--name=value`, bare `--flag`; everything else is positional. */
export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name === "")
      throw new VisError("invalid_argument", "empty flag name '--'", { field: "--" });
    if (eq > 0) flags.set(name, arg.slice(eq + 1));
    else if (booleanFlags.has(name)) flags.set(name, true);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new VisError("invalid_argument", `--${name} needs a value`, { field: `--${name}` });
      }
      flags.set(name, value);
      i++;
    }
  }
  const [command, ...rest] = positional;
  return { command, positional: rest, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true)
    throw new VisError("invalid_argument", `--${name} needs a value`, { field: `--${name}` });
  return v;
}

export function flagInt(
  args: ParsedArgs,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new VisError(
      "invalid_argument",
      `--${name} must be an integer ${min}..${max}, got "${v}"`,
      {
        field: `--${name}`,
      },
    );
  }
  return n;
}
