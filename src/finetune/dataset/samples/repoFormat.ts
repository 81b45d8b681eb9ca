/**
 * @file Code samples in SmolLM2's repository format, the StarCoder2 data layout the base model
 * was pretrained on and the completion template uses: `<repo_name>` name, `<file_sep>` path,
 * newline, content (https://arxiv.org/abs/2402.19173, section 5). A long file is cut on line
 * boundaries into chunks that fit the sequence length with their header; the chunks of a file
 * concatenate to exactly its content.
 */

/** The header every chunk of a file starts with. */
export function repoHeader(repoName: string, path: string): string {
  return `<repo_name>${repoName}<file_sep>${path}\n`;
}

/**
 * Cuts `text` into pieces of at most `budget` tokens by `count`, on line boundaries where a
 * line fits, inside a line where one alone does not.
 */
export function chunkByTokens(text: string, budget: number, count: (text: string) => number): string[] {
  if (!(Number.isInteger(budget) && budget > 0)) throw new RangeError(`the chunk budget must be a positive integer, got ${budget}`);
  if (count(text) <= budget) return [text];
  const lines = text.split(/(?<=\n)/);
  const chunks: string[] = [];
  let current = '';
  let used = 0;
  for (const line of lines) {
    const cost = count(line);
    if (used + cost > budget && current !== '') {
      chunks.push(current);
      current = '';
      used = 0;
    }
    current += line;
    used += cost;
  }
  if (current !== '') chunks.push(current);
  // Per-line counts approximate the count of the joined text; check each chunk exactly.
  return chunks.flatMap((chunk) => fit(chunk, budget, count));
}

function fit(chunk: string, budget: number, count: (text: string) => number): string[] {
  if (chunk.length <= 1 || count(chunk) <= budget) return [chunk];
  const middle = chunk.length >> 1;
  // The line end nearest the middle on either side, if one lies strictly inside the chunk.
  const inside = (cut: number) => cut > 0 && cut < chunk.length;
  const before = chunk.lastIndexOf('\n', middle) + 1;
  const after = chunk.indexOf('\n', middle) + 1;
  const cut = inside(before) ? before : inside(after) ? after : middle;
  // Never split a surrogate pair.
  const safe = /[\uDC00-\uDFFF]/.test(chunk[cut] ?? '') ? cut + 1 : cut;
  return [...fit(chunk.slice(0, safe), budget, count), ...fit(chunk.slice(safe), budget, count)];
}
