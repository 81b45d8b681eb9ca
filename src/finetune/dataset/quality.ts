/**
 * @file A 0-5 quality score in the spirit of Stack-Edu's educational score
 * (https://huggingface.co/HuggingFaceTB/stack-edu-classifier-python), computed locally from
 * interpretable signals instead of a classifier, so a user can see why a file was dropped.
 * Each signal is a number from 0 to 1; the score is 5 times their weighted mean over the
 * signals that apply to the file (Markdown has no functions, so `structure` and `docs` skip).
 */
import type { Language } from './languages';
import type { CodeUnit } from './samples/codeUnits';

/** The signals, each 0-1, or undefined where it does not apply. */
export interface QualitySignals {
  /** Share of lines that are comments, full marks at 15%: explained code teaches more. */
  readonly comments: number | undefined;
  /** Share of functions with a documentation comment or docstring. */
  readonly docs: number | undefined;
  /** Identifiers that say what they hold: few one- or two-letter names, mean length 4-24. */
  readonly naming: number | undefined;
  /** Code split into functions of readable length (at most 60 lines), nesting at most 6 deep. */
  readonly structure: number | undefined;
  /** Tests show how code is used: 1 for a test file or one with assertions, else 0.5. */
  readonly tests: number | undefined;
  /** Share of lines within 100 characters. */
  readonly lineLengths: number;
  /** Share of substantial lines (over 10 characters) that are not repeated within the file. */
  readonly duplication: number;
}

const WEIGHTS: Readonly<Record<keyof QualitySignals, number>> = {
  comments: 1,
  docs: 1.5,
  naming: 1,
  structure: 1,
  tests: 0.5,
  lineLengths: 0.5,
  duplication: 1,
};

const clamp = (x: number) => Math.min(1, Math.max(0, x));
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
/** Short names that are idiomatic and not a sign of poor naming. */
const SHORT_OK = new Set(['i', 'j', 'k', 'n', 'x', 'y', 'z', 'id', 'ok', 'fs', 'db', 'io', 'os', 'if', 'in', 'is', 'of', 'or', 'as', 'do', 'go', 'fn', 'to', 'up']);

function isCommentLine(trimmed: string, language: Language): boolean {
  if (language.lineComments.some((p) => trimmed.startsWith(p))) return true;
  const block = language.blockComment;
  return block !== undefined && (trimmed.startsWith(block[0]) || trimmed.startsWith('*') || trimmed.endsWith(block[1]));
}

/** Computes the signals of a file. */
export function qualitySignals(path: string, text: string, language: Language, units: readonly CodeUnit[]): QualitySignals {
  const lines = text.split('\n');
  const code = language.blocks !== 'none' || language.name === 'SQL';
  const nonBlank = lines.map((l) => l.trim()).filter((l) => l !== '');
  let commentLines = 0;
  let inDocstring = false;
  for (const trimmed of nonBlank) {
    const quotes = (trimmed.match(/"""|'''/g) ?? []).length;
    if (inDocstring || quotes > 0 || isCommentLine(trimmed, language)) commentLines++;
    if (quotes % 2 === 1) inDocstring = !inDocstring;
  }
  const commentShare = nonBlank.length === 0 ? 0 : commentLines / nonBlank.length;

  const identifiers = code ? (text.match(IDENTIFIER) ?? []) : [];
  const short = identifiers.filter((id) => id.length <= 2 && !SHORT_OK.has(id)).length;
  const meanLength = identifiers.reduce((s, id) => s + id.length, 0) / Math.max(1, identifiers.length);
  const naming = identifiers.length < 10 ? undefined : clamp(1 - (short / identifiers.length) * 4) * (meanLength >= 4 && meanLength <= 24 ? 1 : 0.5);

  // Depth in two-space steps, a tab counting as four spaces; 12 steps is six levels of four.
  const maxDepth = lines.reduce((m, l) => Math.max(m, (/^\s*/.exec(l)?.[0] ?? '').replace(/\t/g, '    ').length / 2), 0);
  const functionLengths = units.map((u) => u.head.length + u.body.length);
  const readable = functionLengths.filter((n) => n <= 60).length;
  const structure =
    language.blocks === 'none'
      ? undefined
      : units.length === 0
        ? nonBlank.length <= 40 ? 0.6 : 0.2
        : (readable / units.length) * (maxDepth <= 12 ? 1 : 0.5);

  const testFile = /(?:^|[/._-])(?:test|tests|spec|__tests__)(?:[/._-]|$)/i.test(path);
  const asserts = /\b(?:assert\w*|expect|should|t\.Error|#\[test\]|@Test|XCTAssert\w*)\b/.test(text);

  const substantial = nonBlank.filter((l) => l.length > 10);
  const unique = new Set(substantial).size;

  return {
    comments: code ? clamp(commentShare / 0.15) : undefined,
    docs: units.length === 0 ? undefined : units.filter((u) => u.doc !== '').length / units.length,
    naming,
    structure,
    tests: code ? (testFile || asserts ? 1 : 0.5) : undefined,
    lineLengths: lines.length === 0 ? 1 : lines.filter((l) => l.length <= 100).length / lines.length,
    duplication: substantial.length === 0 ? 1 : clamp(1 - (1 - unique / substantial.length) * 2),
  };
}

/** The 0-5 score: 5 times the weighted mean of the signals that apply, rounded to 0.1. */
export function qualityScore(signals: QualitySignals): number {
  let sum = 0;
  let weight = 0;
  for (const key of Object.keys(WEIGHTS) as (keyof QualitySignals)[]) {
    const value = signals[key];
    if (value === undefined) continue;
    sum += value * WEIGHTS[key];
    weight += WEIGHTS[key];
  }
  return weight === 0 ? 0 : Math.round((sum / weight) * 50) / 10;
}
