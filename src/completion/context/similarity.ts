/**
 * @file Jaccard similarity over identifier-like words, the cheap measure the best local
 * assistants use to rank context snippets against the code near the cursor.
 */

/** The set of identifier-like words (letters, digits, underscore; length >= 2) in `text`. */
export function wordSet(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]+/g) ?? []);
}

/** |A ∩ B| / |A ∪ B|, 0 for two empty sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const word of small) if (large.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}
