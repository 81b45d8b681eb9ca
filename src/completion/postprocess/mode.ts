/**
 * @file Single-line or multi-line? Multi-line after a block opener at the end of the line or on
 * an empty line; single-line inside a line (text follows the cursor) or in a comment.
 */
import type { CursorLine } from '../types';

export type CompletionMode = 'single' | 'multi';

const LINE_COMMENT: Record<string, readonly string[]> = {
  python: ['#'],
  shellscript: ['#'],
  ruby: ['#'],
  yaml: ['#'],
  perl: ['#'],
  r: ['#'],
  sql: ['--'],
  lua: ['--'],
  haskell: ['--'],
};

const C_LIKE_COMMENT = ['//'];

/** Whether the cursor sits in a comment (a line comment, or a block comment's line). */
export function inComment(before: string, languageId: string): boolean {
  const trimmed = before.trimStart();
  if (/^(\/\*|\*(?!\/)|""")/.test(trimmed)) return true;
  for (const marker of LINE_COMMENT[languageId] ?? C_LIKE_COMMENT) {
    const at = before.indexOf(marker);
    if (at < 0) continue;
    // A marker inside a string literal does not start a comment: count quotes before it.
    const head = before.slice(0, at);
    const quotes = (head.match(/["'`]/g) ?? []).length;
    if (quotes % 2 === 0) return true;
  }
  return false;
}

/** Whether `before` ends with something that opens an indented block. */
export function endsWithBlockOpener(before: string, languageId: string): boolean {
  const text = before.trimEnd();
  if (/[{([]$/.test(text) || /=>$/.test(text)) return true;
  if ((languageId === 'python' || languageId === 'yaml') && text.endsWith(':')) return true;
  if (['ruby', 'shellscript', 'lua', 'elixir'].includes(languageId) && /\b(do|then|else)$/.test(text)) return true;
  return false;
}

/** Chooses the mode for a request at `line`. */
export function completionMode(line: CursorLine, languageId: string): CompletionMode {
  // Closing brackets, quotes and separators may follow the cursor in a multi-line position.
  if (/[^\s)\]}'"`;,]/.test(line.after)) return 'single';
  if (inComment(line.before, languageId)) return 'single';
  if (line.before.trim() === '') return 'multi';
  return endsWithBlockOpener(line.before, languageId) ? 'multi' : 'single';
}
