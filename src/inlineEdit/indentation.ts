/**
 * @file Keeps the selection's indentation in the rewrite. The model often drops the leading
 * indentation of a method or nested block (it sees the selection out of its class), so the
 * rewrite's common indentation is replaced by the selection's.
 */

/** The leading whitespace of `line`. */
function leading(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** The shortest leading whitespace over the non-blank lines of `text` ('' if none). */
export function commonIndent(text: string): string {
  let common: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = leading(line);
    if (common === undefined || indent.length < common.length) common = indent;
  }
  return common ?? '';
}

/**
 * `code` shifted so that its common indentation is `selection`'s: each non-blank line loses the
 * code's common indentation and gains the selection's; blank lines become empty.
 */
export function keepIndentation(code: string, selection: string): string {
  const from = commonIndent(code);
  const to = commonIndent(selection);
  if (from === to) return code;
  return code
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : to + line.slice(from.length)))
    .join('\n');
}
