/**
 * @file Where `smolcode eval completion` puts the cursor, RepoBench-style: held-out files of the
 * repository, then the starts of non-trivial lines in them (the cursor after the indentation,
 * as an editor's auto-indent leaves it), both drawn deterministically from the seed. The line
 * that was there is the target; everything after it stays as the suffix. In `mid-file` mode
 * only lines inside a block with more of the block after them count: indented, and followed
 * (past blank lines) by a line indented at least as deep, so the suffix holds code of the same
 * function that a fill-in-the-middle model can use.
 */
import { Rng } from '../graph/rng';
import type { Language } from '../finetune/dataset/languages';

/** A file of the repository under evaluation. */
export interface RepoFile {
  /** Repository-relative, with `/`. */
  readonly path: string;
  readonly text: string;
  readonly language: Language;
}

/** One cursor to complete at. */
export interface EvalPosition {
  readonly file: RepoFile;
  /** Zero-based line of the target. */
  readonly line: number;
  /** Offset of the cursor in `file.text`: the target line's start plus its indentation. */
  readonly offset: number;
  /** The rest of the line after the cursor, without trailing whitespace. */
  readonly target: string;
}

/** Lines shorter than this (after indentation) are too easy or too arbitrary to score. */
const MIN_TARGET_CHARS = 6;

/**
 * Whether a line is worth predicting: long enough, with some identifier or number in it, and
 * not a comment (whose wording no model can be expected to guess) or bare punctuation.
 */
export function isNonTrivialLine(content: string, language: Language): boolean {
  const code = content.trim();
  if (code.length < MIN_TARGET_CHARS || !/[A-Za-z0-9_]{2}/.test(code)) return false;
  const comments = [...language.lineComments, ...(language.blockComment ? [language.blockComment[0], '*'] : [])];
  return !comments.some((marker) => code.startsWith(marker));
}

/** Where the benchmark's cursors go: any non-trivial line, or only lines inside a block that continues after them. */
export const POSITION_MODES = ['next-line', 'mid-file'] as const;
export type PositionMode = (typeof POSITION_MODES)[number];

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0].length;

/** Whether line `index` is indented and the block goes on after it: the next non-blank line is indented at least as deep. */
export function isInsideBlock(lines: readonly string[], index: number): boolean {
  const indent = indentOf(lines[index]!);
  if (indent === 0) return false;
  const next = lines.slice(index + 1).find((l) => l.trim() !== '');
  return next !== undefined && indentOf(next) >= indent;
}

/** The candidate cursors of one file: every non-trivial line but the first (which has no prefix); in `mid-file` mode only those inside a continuing block. */
export function positionsIn(file: RepoFile, mode: PositionMode = 'next-line'): EvalPosition[] {
  const positions: EvalPosition[] = [];
  let start = 0;
  const lines = file.text.split('\n');
  lines.forEach((line, index) => {
    const indent = indentOf(line);
    if (index > 0 && isNonTrivialLine(line, file.language) && (mode === 'next-line' || isInsideBlock(lines, index))) {
      positions.push({ file, line: index, offset: start + indent, target: line.slice(indent).replace(/\s+$/, '') });
    }
    start += line.length + 1;
  });
  return positions;
}

/** Chooses up to `perFile` positions in each of up to `files` of `heldOut`, in a stable order (path, line). */
export function choosePositions(heldOut: readonly RepoFile[], options: { readonly files: number; readonly perFile: number; readonly seed: number; readonly mode?: PositionMode }): EvalPosition[] {
  const rng = new Rng(options.seed);
  const ordered = [...heldOut].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chosen: EvalPosition[] = [];
  let filesUsed = 0;
  for (const index of rng.permutation(ordered.length)) {
    if (filesUsed >= options.files) break;
    const candidates = positionsIn(ordered[index]!, options.mode);
    if (candidates.length === 0) continue;
    filesUsed++;
    const picks = rng.permutation(candidates.length).slice(0, options.perFile).sort((a, b) => a - b);
    chosen.push(...picks.map((i) => candidates[i]!));
  }
  return chosen.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.line - b.line));
}
