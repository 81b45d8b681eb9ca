/**
 * @file Finds functions in source text with line-based heuristics per language (no parser,
 * so it works for all 15 languages offline): the documentation above or inside, the signature
 * and the body. A body ends at the closing brace or `end` at the signature's indentation, or
 * at the dedent in Python, which holds for formatted code; unformatted code yields fewer units,
 * never wrong ones silently merged, because a unit without its closing line is skipped.
 */
import type { Language, LanguageName } from '../languages';

/** A function found in a file. */
export interface CodeUnit {
  readonly name: string;
  /** The documentation as plain text (comment markers removed), '' when there is none. */
  readonly doc: string;
  /** Documentation comment lines above the signature, as in the file. */
  readonly comment: readonly string[];
  /** Decorators, the signature, and for Python the docstring: what a signature -> body task shows. */
  readonly head: readonly string[];
  /** The rest of the function, through its closing line. */
  readonly body: readonly string[];
  /** 0-based line of the first head line. */
  readonly line: number;
}

const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'else', 'new', 'throw', 'do', 'try', 'foreach', 'using', 'lock', 'sizeof', 'typeof', 'elif', 'until', 'unless', 'case', 'synchronized']);
const C_LIKE = /^\s*(?:[\w:<>,*&[\]]+\s+)+[*&]*([A-Za-z_~][\w:~]*)\s*\(/;
const JS_FUNCTION = /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b\s*\*?\s*([A-Za-z_$][\w$]*)\s*[(<]/;
const JS_ARROW = /^\s*(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?\([^'"`]*$/;
const JS_METHOD = /^\s*(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*\*?([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\([^'"`=]*\)\s*(?::\s*[^{=]+)?\{\s*$/;

const STARTS: Partial<Record<LanguageName, readonly RegExp[]>> = {
  JavaScript: [JS_FUNCTION, JS_ARROW, JS_METHOD],
  TypeScript: [JS_FUNCTION, JS_ARROW, JS_METHOD],
  Go: [/^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[([]/],
  Rust: [/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:const|async|unsafe|extern\s+"[^"]*")\s+)*fn\s+([A-Za-z_]\w*)/],
  Swift: [/^\s*(?:(?:public|private|internal|fileprivate|open|static|class|override|mutating|final|@\w+)\s+)*func\s+([A-Za-z_]\w*)/],
  PHP: [/^\s*(?:(?:public|private|protected|static|final|abstract)\s+)*function\s+&?([A-Za-z_]\w*)\s*\(/],
  Shell: [/^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{?\s*$/, /^\s*function\s+([A-Za-z_][\w-]*)\s*\{?\s*$/],
  C: [C_LIKE],
  'C++': [C_LIKE],
  'C#': [C_LIKE],
  Java: [C_LIKE],
  Python: [/^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/],
  Ruby: [/^\s*def\s+((?:self\.)?[\w?!=]+)/],
};

const indentOf = (line: string) => line.length - line.trimStart().length;

/** Where the documentation above `line` starts, and how many decorator lines sit between. */
function commentAbove(lines: readonly string[], line: number, language: Language): { start: number; decorators: number } {
  let start = line;
  while (start > 0 && /^\s*(?:@|#\[)/.test(lines[start - 1] ?? '')) start--;
  const decorators = line - start;
  const previous = (lines[start - 1] ?? '').trim();
  const block = language.blockComment;
  if (block && previous.endsWith(block[1])) {
    let open = start - 1;
    while (open >= 0 && !(lines[open] ?? '').trim().startsWith(block[0])) open--;
    return { start: open >= 0 && line - open < 60 ? open : start, decorators };
  }
  let first = start;
  while (first > 0 && language.lineComments.some((p) => (lines[first - 1] ?? '').trim().startsWith(p)) && !(lines[first - 1] ?? '').trim().startsWith('#!')) first--;
  return { start: first, decorators };
}

/** Plain text of a comment or docstring: markers and common decoration removed. */
export function docText(raw: readonly string[]): string {
  return raw
    .map((l) =>
      l
        .trim()
        .replace(/^(?:\/\*\*?|\/\/\/?|#+|--|"""|'''|r"""|\*(?!\/))\s?/, '')
        .replace(/\s*(?:\*\/|"""|''')$/, '')
        .trimEnd(),
    )
    .join('\n')
    .trim();
}

/** Index of the line that ends the head (`{` or `:`), or -1 when not found close by. */
function headEnd(lines: readonly string[], from: number, opener: '{' | ':'): number {
  for (let i = from; i < Math.min(lines.length, from + 8); i++) {
    const text = (lines[i] ?? '').replace(/\s+(?:\/\/|#).*$/, '').trimEnd();
    if (text.endsWith(opener)) return i;
    if (opener === '{' && i > from && text === '{') return i;
    if (text.endsWith(';')) return -1;
  }
  return -1;
}

function closingLine(lines: readonly string[], from: number, indent: number, closer: RegExp, maxLines: number): number {
  for (let i = from; i < Math.min(lines.length, from + maxLines); i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const own = indentOf(line);
    if (own === indent && closer.test(line.trim())) return i;
    if (own < indent) return -1;
  }
  return -1;
}

function pythonBodyEnd(lines: readonly string[], from: number, indent: number): number {
  let last = -1;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    if (indentOf(line) <= indent) break;
    last = i;
  }
  return last;
}

function docstringLength(body: readonly string[]): number {
  const first = (body[0] ?? '').trim();
  const quote = /^[rRbBuU]?("""|''')/.exec(first)?.[1];
  if (!quote) return 0;
  if (first.length > quote.length + 1 && first.slice(first.indexOf(quote) + 3).includes(quote)) return 1;
  const end = body.findIndex((l, i) => i > 0 && l.includes(quote));
  return end < 0 ? 0 : end + 1;
}

/** The functions of `text` in `language`, in file order, at most `maxLines` lines each. */
export function findCodeUnits(text: string, language: Language, maxLines = 120): CodeUnit[] {
  const starts = STARTS[language.name];
  if (!starts) return [];
  const lines = text.split('\n');
  const units: CodeUnit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const name = starts.map((re) => re.exec(line)?.[1]).find((n) => n !== undefined);
    if (name === undefined || CONTROL.has(name) || CONTROL.has(line.trim().split(/[\s(]/)[0] ?? '')) continue;
    const indent = indentOf(line);
    let end: number;
    let headLast: number;
    if (language.blocks === 'indent') {
      headLast = headEnd(lines, i, ':');
      end = headLast < 0 ? -1 : pythonBodyEnd(lines, headLast + 1, indent);
    } else {
      headLast = headEnd(lines, i, '{');
      if (language.blocks === 'end') headLast = i;
      const closer = language.blocks === 'end' ? /^end\b/ : /^\}/;
      end = headLast < 0 ? -1 : closingLine(lines, headLast + 1, indent, closer, maxLines);
    }
    if (end < 0 || end - i + 1 > maxLines) continue;
    const { start, decorators } = commentAbove(lines, i, language);
    let head = lines.slice(i - decorators, headLast + 1);
    let body = lines.slice(headLast + 1, end + 1);
    const comment = lines.slice(start, i - decorators);
    let doc = docText(comment);
    if (language.blocks === 'indent') {
      const docLines = docstringLength(body);
      if (docLines > 0) {
        doc = docText(body.slice(0, docLines));
        head = [...head, ...body.slice(0, docLines)];
        body = body.slice(docLines);
      }
    }
    units.push({ name, doc, comment, head, body, line: i - decorators });
    i = end;
  }
  return units;
}
