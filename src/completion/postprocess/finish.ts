/**
 * @file Final text-level rules once the suggestion's lines are known: drop what the rest of the
 * cursor's line already has (repeated suffix, closing brackets), trailing blanks, and empty or
 * whitespace-only suggestions.
 */

const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Closing brackets in `text` whose opener is not in `text` (they close something before the cursor). */
function unmatchedClosers(text: string): number[] {
  const stack: string[] = [];
  const unmatched: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in PAIRS) {
      if (stack.at(-1) === PAIRS[c]) stack.pop();
      else unmatched.push(i);
    }
  }
  return unmatched;
}

/**
 * Removes closing brackets at the end of the suggestion that the text after the cursor
 * already provides, so accepting `a, b)` in `f(|)` does not give `f(a, b))`.
 */
export function balanceBrackets(text: string, after: string): string {
  const unmatched = new Set(unmatchedClosers(text));
  const following = after.replace(/\s/g, '');
  const trimmed = text.trimEnd();
  let start = trimmed.length;
  while (start > 0 && unmatched.has(start - 1)) start--;
  const trailing = trimmed.slice(start);
  // The longest tail of the trailing closers that the following text starts with.
  for (let k = trailing.length; k > 0; k--) {
    if (following.startsWith(trailing.slice(trailing.length - k))) return trimmed.slice(0, trimmed.length - k);
  }
  return text;
}

/** Drops a copy of the rest of the cursor's line from the end of a single-line suggestion. */
export function dropRepeatedLineSuffix(text: string, after: string): string {
  const rest = after.trim();
  if (rest.length > 0 && !text.includes('\n') && text.trimEnd().endsWith(rest) && text.trimEnd().length > rest.length) {
    return text.trimEnd().slice(0, -rest.length);
  }
  return text;
}

/** The suggestion to show, or '' when there is nothing worth showing. */
export function finish(text: string, after: string): string {
  let result = text.replace(/\s+$/, '');
  result = dropRepeatedLineSuffix(result, after);
  result = balanceBrackets(result, after);
  return result.trim() === '' ? '' : result;
}
