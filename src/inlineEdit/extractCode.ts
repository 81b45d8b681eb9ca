/**
 * @file The rewritten code in a chat reply. The prompt asks for one fenced block, but small
 * models sometimes add a sentence before it, forget the closing fence when they hit the length
 * limit, or answer with bare code; each of these still yields the code.
 */

const FENCE = /^\s*(`{3,}|~{3,})/;

/** Drops blank lines at both ends (the code's own indentation stays). */
function trimBlankLines(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === '') start++;
  while (end > start && lines[end - 1].trim() === '') end--;
  return lines.slice(start, end);
}

/**
 * The code of the reply: the first fenced block with any non-blank line (to its closing fence,
 * or to the end when it was cut off), else the whole reply. '' when there is no code.
 */
export function extractCode(reply: string): string {
  const lines = reply.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const marker = open[1];
    let end = i + 1;
    // A closing fence uses the opening's character, at least as many of them, and nothing else.
    while (end < lines.length && !(lines[end].trim().startsWith(marker) && /^(`+|~+)$/.test(lines[end].trim()))) end++;
    const body = trimBlankLines(lines.slice(i + 1, end));
    if (body.length > 0) return body.join('\n');
    i = end;
  }
  return trimBlankLines(lines.filter((line) => !FENCE.test(line))).join('\n');
}
