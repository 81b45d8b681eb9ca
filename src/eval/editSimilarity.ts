/**
 * @file How close a suggested line is to the real one: edit similarity, 1 − Levenshtein distance
 * over the longer length (CrossCodeEval's measure, in [0, 1]; 1 is an exact match), and the
 * first-line comparison both scores use.
 */

/** Levenshtein distance (insert, delete, substitute: cost 1 each) between `a` and `b`, by UTF-16 unit. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length < b.length) [a, b] = [b, a];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(substitute, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** 1 − levenshtein(a, b) / max(|a|, |b|); two empty strings are identical (1). */
export function editSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - levenshtein(a, b) / longest;
}

/** The first line of a suggestion as it is compared: without the line break and trailing whitespace. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.replace(/\s+$/, '');
}
