/**
 * @file Token budgeting for the completion prompt. Exact counts need the tokenizer, which lives
 * in the worker; the host budgets with a conservative estimate instead (SmolLM2's tokenizer
 * averages about 3.5 characters per token on code, and splits digits one per token, so 3 is a
 * safe bound for typical source).
 */

export const CHARS_PER_TOKEN = 3;

/** A conservative token estimate for `text`. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The part of `prefix` to send: whole lines from an anchored start. The start only moves in
 * steps of `snapLines` lines, so consecutive keystrokes keep the same first line and the
 * engine can reuse its cache for everything before the cursor.
 */
export function prefixWindow(prefix: string, budgetTokens: number, snapLines = 32): string {
  if (estimateTokens(prefix) <= budgetTokens) return prefix;
  const lines = prefix.split('\n');
  const budgetChars = budgetTokens * CHARS_PER_TOKEN;
  let start = 0;
  let size = prefix.length;
  while (size > budgetChars && start < lines.length - 1) {
    const step = Math.min(snapLines, lines.length - 1 - start);
    for (let i = 0; i < step; i++) size -= (lines[start + i] as string).length + 1;
    start += step;
  }
  return lines.slice(start).join('\n');
}
