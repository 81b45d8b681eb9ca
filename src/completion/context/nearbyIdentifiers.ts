/**
 * @file Which identifiers near the cursor are worth a definition lookup: names on the cursor's
 * line and the few lines before it, nearest first, call targets and type-like names ahead of
 * plain names, without keywords, common built-ins and names the visible prefix declares itself
 * (their declaration is already in the prompt). Lookups cost language-server time, so few are kept.
 */

/** An identifier occurrence in the document (zero-based line and character, as editors count). */
export interface IdentifierAt {
  readonly name: string;
  readonly line: number;
  readonly character: number;
}

export interface IdentifierOptions {
  /** Lines before the cursor's line to look at. */
  readonly lines?: number;
  /** Most identifiers to return. */
  readonly max?: number;
  /** Text certain to be in the prompt (the smallest prefix window); names it declares are skipped. */
  readonly visiblePrefix?: string;
}

/** Keywords and ubiquitous built-ins of the languages SmolCode completes; none has a useful definition. */
const SKIPPED = new Set(
  (
    'abstract and as assert async await break case catch chan class const continue debugger def default defer del delete do elif else enum except export ' +
    'extends false final finally fn for from func function global go goto if impl implements import in instanceof interface is keyof lambda let loop map ' +
    'match mod module mut namespace new nil none nonlocal not null of or package pass private protected pub public raise range readonly return select self ' +
    'static struct super switch this throw throws true try type typeof undefined use var void where while with yield ' +
    'None True False any bool boolean byte dict float int len list number object print rune set str string symbol tuple unknown never bigint uint ' +
    'console Math JSON Object Array String Number Boolean Promise Error Map Set Date RegExp Symbol Record Partial Readonly Pick Omit ' +
    'string64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 error make append cap copy panic'
  ).split(' '),
);

/** Keywords whose members are the code's own (`this.save()`), unlike a built-in's (`console.log`). */
const OWN_OBJECT = new Set(['this', 'self', 'super']);

/** Names a prefix declares: variables, functions, classes, parameters of arrow functions, Go's `:=`, Python's assignments. */
const DECLARATIONS = [
  /\b(?:const|let|var|function|class|def|func|type|interface|enum)\s+([A-Za-z_$][\w$]*)/g,
  /\b([A-Za-z_$][\w$]*)\s*:=/g,
  /^[ \t]*([A-Za-z_][\w]*)\s*=[^=]/gm,
  /\bfor\s+(?:const\s+|let\s+|var\s+)?([A-Za-z_$][\w$]*)\s+(?:of|in)\b/g,
];

/** The names `text` declares itself (see `DECLARATIONS`). */
export function declaredNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const pattern of DECLARATIONS) for (const match of text.matchAll(pattern)) names.add(match[1]!);
  return names;
}

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** `lines` with string literals and comments blanked, positions kept; a line starting with `*` is taken for the inside of a block comment. */
function codeOnly(lines: readonly string[]): string[] {
  const text = lines.join('\n').replace(/\/\*[\s\S]*?(\*\/|$)/g, blank);
  return text.split('\n').map((line) =>
    /^\s*\*/.test(line) ? blank(line) : line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, blank).replace(/(\/\/|#(?=\s|$)).*$/, blank),
  );
}

interface Candidate extends IdentifierAt {
  readonly rank: number;
}

/**
 * The identifiers worth resolving for a cursor at the end of `before`, best first. The word the
 * cursor touches is left out: it is still being typed.
 */
export function nearbyIdentifiers(before: string, options: IdentifierOptions = {}): IdentifierAt[] {
  const lines = before.split('\n');
  const cursorLine = lines.length - 1;
  const first = Math.max(0, cursorLine - (options.lines ?? 4));
  const local = declaredNames(options.visiblePrefix ?? '');
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  // A block comment may open before the lines looked at; a few more lines usually hold its start.
  const from = Math.max(0, first - 20);
  const code = codeOnly(lines.slice(from));
  for (let line = cursorLine; line >= first; line--) {
    const text = code[line - from]!;
    const found = [...text.matchAll(/[A-Za-z_$][\w$]*/g)].reverse();
    for (const match of found) {
      const name = match[0];
      const character = match.index;
      if (line === cursorLine && character + name.length === text.length) continue;
      if (name.length < 2 || SKIPPED.has(name) || local.has(name) || seen.has(name) || /^\d/.test(name)) continue;
      const after = text.slice(character + name.length);
      const beforeName = text.slice(0, character);
      // A member of a built-in (`console.log`, `Math.floor`) is as well known as the built-in.
      const owner = /([A-Za-z_$][\w$]*)\s*\.\s*$/.exec(beforeName)?.[1];
      if (owner !== undefined && SKIPPED.has(owner) && !OWN_OBJECT.has(owner)) continue;
      seen.add(name);
      const call = /^\s*(?:<[^>]*>)?\s*\(/.test(after);
      const typeLike = /^[A-Z]/.test(name) || /(?::|\bnew|\bextends|\bimplements|<)\s*$/.test(beforeName);
      // Distance in lines, with calls and types a line and a half nearer than plain names.
      candidates.push({ name, line, character, rank: cursorLine - line + (call || typeLike ? 0 : 1.5) });
    }
  }
  // Stable sort: equal ranks keep the nearest-first order of the scan.
  return candidates
    .sort((a, b) => a.rank - b.rank)
    .slice(0, options.max ?? 8)
    .map(({ name, line, character }) => ({ name, line, character }));
}
