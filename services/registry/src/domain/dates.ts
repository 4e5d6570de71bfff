import { VisError } from "@vis/errors";

/** The current time; injectable so deadline rules can be tested at any date. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const DAY_MS = 86_400_000;
/** The regulation's dates are calendar dates in China Standard Time (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3_600_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in China Standard Time, "YYYY-MM-DD". */
export function todayCst(now: Date): string {
  return new Date(now.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a "YYYY-MM-DD" date; throws `invalid_argument` naming `field` when not a real date. */
export function dayNumber(date: string, field: string): number {
  const m = DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new VisError("invalid_argument", `${field}: "${date}" is not a date (YYYY-MM-DD)`, {
      field,
    });
  }
  return ms / DAY_MS;
}

export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date, "date") + days) * DAY_MS).toISOString().slice(0, 10);
}

/** `b - a` in days. */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b, "date") - dayNumber(a, "date");
}

/** Checks every non-empty date field of `value` named in `fields`, prefixing `prefix.`. */
export function checkDates(
  value: Record<string, unknown>,
  fields: readonly string[],
  prefix: string,
) {
  for (const f of fields) {
    const v = value[f];
    if (typeof v === "string" && v !== "") dayNumber(v, `${prefix}.${snake(f)}`);
  }
}

export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
