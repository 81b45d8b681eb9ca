/**
 * @file The context blocks of chat mentions (`@problems`, `@diff`, `@file`, and mentions that
 * found nothing): what the model reads and the chip the user sees, each clipped to the same
 * per-item budget as an attached file (`MAX_FILE_CHARS`) with what was left out said in both.
 * Pure, so the exact text is unit-tested; the host only gathers the raw diagnostics and diff.
 */
import type { ContextChip, ContextKind } from '../shared/protocol';
import { fenceFor, MAX_FILE_CHARS, type ContextItem } from './contextAssembly';

/** A diagnostic as the chat reports it (line and column 0-based, as VS Code counts). */
export interface Problem {
  readonly severity: 'error' | 'warning' | 'info' | 'hint';
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly source?: string;
  readonly code?: string;
}

/** Files larger than this are not read for `@file` (the budget would keep a sliver of them). */
export const MAX_MENTION_FILE_BYTES = 1_000_000;

/** Bytes looked at to tell a binary file from text, as git does. */
const BINARY_SNIFF_BYTES = 8000;

const SEVERITY_ORDER: Readonly<Record<Problem['severity'], number>> = { error: 0, warning: 1, info: 2, hint: 3 };
const SEVERITY_NAME: Readonly<Record<Problem['severity'], string>> = { error: 'Error', warning: 'Warning', info: 'Info', hint: 'Hint' };

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A chip for a mention; `id` must be unique among the chips of one question. */
export function mentionChip(id: string, kind: ContextKind, label: string, detail: string): ContextChip {
  return { id, kind, label, detail };
}

/** Whether `bytes` look binary: a NUL byte in the first 8,000 bytes (git's rule). */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/**
 * A mention that attached nothing: the chip says why ("no selection"), and the model reads one
 * sentence saying the same, so it does not invent the missing context.
 */
export function emptyMentionItem(chip: ContextChip, sentence: string): ContextItem {
  return { chip, block: `(${sentence})` };
}

/** One problem as a line of the block: `- Error at line 3, column 5 (json 519): Trailing comma`. */
export function problemLine(problem: Problem): string {
  const origin = [problem.source, problem.code].filter(Boolean).join(' ');
  return `- ${SEVERITY_NAME[problem.severity]} at line ${problem.line + 1}, column ${problem.column + 1}${origin ? ` (${origin})` : ''}: ${problem.message.replace(/\s+/g, ' ').trim()}`;
}

/**
 * The diagnostics of `path`, most severe first then by line, as many as fit `maxChars`; the
 * rest are counted in a closing line and in the chip.
 */
export function problemsItem(id: string, path: string, problems: readonly Problem[], maxChars = MAX_FILE_CHARS): ContextItem {
  const label = baseName(path);
  if (problems.length === 0) {
    return emptyMentionItem(mentionChip(id, 'problems', label, 'no problems'), `VS Code reports no problems (errors or warnings) in \`${path}\`.`);
  }
  const sorted = [...problems].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.line - b.line || a.column - b.column);
  const title = `Problems VS Code reports in \`${path}\`:`;
  const lines: string[] = [];
  let size = title.length;
  for (const problem of sorted) {
    const line = problemLine(problem);
    if (size + line.length + 1 > maxChars && lines.length > 0) break;
    lines.push(line);
    size += line.length + 1;
  }
  const omitted = sorted.length - lines.length;
  if (omitted > 0) lines.push(`(${plural(omitted, 'more problem')} left out to fit the context budget.)`);
  const detail = omitted > 0 ? `${plural(lines.length - 1, 'problem')} of ${sorted.length}` : plural(sorted.length, 'problem');
  return { chip: mentionChip(id, 'problems', label, detail), block: `${title}\n${lines.join('\n')}` };
}

/** One file's part of a unified diff. */
interface FileDiff {
  readonly path: string;
  readonly text: string;
}

/** Splits `git diff` output at its `diff --git` headers. */
export function splitDiff(diff: string): FileDiff[] {
  const parts = diff.split(/^(?=diff --git )/m).filter((part) => part.trim() !== '');
  return parts.map((text) => {
    const header = /^diff --git a\/(.*?) b\/(.*)$/m.exec(text);
    const plusPath = /^\+\+\+ b\/(.*)$/m.exec(text);
    return { path: plusPath?.[1] ?? header?.[2] ?? '(unknown file)', text: text.replace(/\n+$/, '') };
  });
}

/** The first lines of `text` that fit `maxChars`, cut at a line end. */
function headLines(text: string, maxChars: number): string {
  const cut = text.slice(0, maxChars);
  const end = cut.lastIndexOf('\n');
  return end > 0 ? cut.slice(0, end) : cut;
}

/**
 * The working tree diff as context: whole files in the order git lists them while they fit
 * `maxChars`; the first file is cut at a line end if it alone is too long. The files left out
 * are named, so the model (and the user, on the chip) knows the diff is partial.
 */
export function diffItem(id: string, diff: string, maxChars = MAX_FILE_CHARS): ContextItem {
  const files = splitDiff(diff);
  if (files.length === 0) {
    return emptyMentionItem(mentionChip(id, 'diff', 'diff', 'no changes'), 'The working tree has no uncommitted changes.');
  }
  const kept: string[] = [];
  const omitted: string[] = [];
  let size = 0;
  let cut = false;
  for (const file of files) {
    if (omitted.length === 0 && size + file.text.length + 1 <= maxChars) {
      kept.push(file.text);
      size += file.text.length + 1;
    } else if (kept.length === 0) {
      kept.push(headLines(file.text, maxChars));
      size = maxChars;
      cut = true;
    } else {
      omitted.push(file.path);
    }
  }
  const content = kept.join('\n');
  const fence = fenceFor(content);
  const notes = [
    cut && `The diff of \`${files[0].path}\` is cut short to fit the context budget.`,
    omitted.length > 0 && `Left out to fit the context budget: the changes to ${omitted.map((path) => `\`${path}\``).join(', ')}.`,
  ].filter((note): note is string => Boolean(note));
  const block = [`Uncommitted changes in the working tree (git diff against HEAD):\n${fence}diff\n${content}\n${fence}`, ...notes].join('\n');
  const shown = files.length - omitted.length;
  const detail = omitted.length > 0 || cut ? `${shown} of ${plural(files.length, 'file')}${cut ? ', cut short' : ''}` : plural(files.length, 'file');
  return { chip: mentionChip(id, 'diff', 'diff', detail), block };
}
