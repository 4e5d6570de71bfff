import { readFileSync } from "node:fs";
import { VisError } from "@vis/errors";

/**
 * Splits an import file into request-sized chunks the registry accepts (each one all-or-nothing):
 * CSV records (quote-aware, header repeated per chunk) or the elements of a JSON array.
 */
export function importChunks(
  path: string,
  rowsPerChunk: number,
): { format: "csv" | "json"; chunks: Uint8Array[]; rows: number } {
  const text = readFileSync(path, "utf8");
  const enc = new TextEncoder();
  if (path.toLowerCase().endsWith(".json")) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed))
      throw new VisError("invalid_argument", `${path}: JSON must be an array of objects`, {
        field: "file",
      });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < parsed.length; i += rowsPerChunk)
      chunks.push(enc.encode(JSON.stringify(parsed.slice(i, i + rowsPerChunk))));
    return { format: "json", chunks, rows: parsed.length };
  }
  const records = csvRecords(text);
  const [header, ...rows] = records;
  if (header === undefined)
    throw new VisError("invalid_argument", `${path}: empty CSV`, { field: "file" });
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < rows.length; i += rowsPerChunk)
    chunks.push(enc.encode([header, ...rows.slice(i, i + rowsPerChunk)].join("\n")));
  return { format: "csv", chunks, rows: rows.length };
}

/** CSV text cut into records (a quoted field may span lines); blank lines dropped. */
export function csvRecords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if ((ch === "\n" || ch === undefined) && !quoted) {
      const rec = text.slice(start, i).replace(/\r$/, "");
      if (rec.trim() !== "") out.push(rec);
      start = i + 1;
    }
  }
  return out;
}
