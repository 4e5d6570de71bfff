const CJK = /[\u3400-\u9fff\uf900-\ufaff]+/g;
const WORD = /[a-z0-9]+/g;
const MAX_TOKENS = 96;

/**
 * Search tokens of free text: lower-case ASCII words and digits, and for Chinese every pair of
 * neighbouring characters (a single character when it stands alone). Searching tokenises the query
 * the same way and intersects, so "人民路" finds "人民路口" and "Renmin Rd" finds "renmin road".
 */
export function tokens(...texts: string[]): string[] {
  const out = new Set<string>();
  for (const raw of texts) {
    const text = raw.normalize("NFKC").toLowerCase();
    for (const w of text.match(WORD) ?? []) out.add(w);
    for (const run of text.match(CJK) ?? []) {
      const chars = [...run];
      if (chars.length === 1) out.add(run);
      for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
    }
  }
  return [...out].slice(0, MAX_TOKENS);
}
