import { VisError } from "@vis/errors";

/**
 * RFC 4180 CSV: a header row, then data rows; quoted fields may hold commas, quotes ("") and line
 * breaks. Returns one object per data row keyed by the (trimmed, lower-cased) header names.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted)
    throw new VisError("invalid_argument", "data: CSV ends inside a quoted field", {
      field: "data",
    });
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === ""));
  const [header, ...data] = nonEmpty;
  if (!header)
    throw new VisError("invalid_argument", "data: CSV has no header row", { field: "data" });
  const names = header.map((h) => h.trim().toLowerCase());
  return data.map((r) => Object.fromEntries(names.map((n, j) => [n, r[j] ?? ""])));
}
