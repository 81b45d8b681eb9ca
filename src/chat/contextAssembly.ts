/**
 * @file Turns what the editor shows (a file, a selection) into context for a chat question:
 * the chips the panel displays and the fenced Markdown blocks the model reads. Pure, so the
 * exact text sent to the model is unit-tested without VS Code.
 */
import type { ContextChip, ContextKind } from '../shared/protocol';

/** A plain copy of the editor state context is taken from (lines are 0-based). */
export interface EditorSnapshot {
  /** Workspace-relative path, as shown to the user and the model. */
  readonly path: string;
  readonly languageId: string;
  readonly text: string;
  readonly selection?: { readonly startLine: number; readonly endLine: number; readonly text: string };
}

/** One piece of context: the chip shown and the block the model reads. */
export interface ContextItem {
  readonly chip: ContextChip;
  readonly block: string;
}

/**
 * Most characters of a file sent as context. A whole file rarely fits a small model's window
 * next to the conversation; about 2,000 tokens of code leaves room for the rest.
 */
export const MAX_FILE_CHARS = 8000;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function lineRange(start: number, end: number): string {
  return start === end ? `line ${start + 1}` : `lines ${start + 1}–${end + 1}`;
}

/** A backtick fence longer than any run of backticks inside `content`, so it cannot be closed early. */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function block(title: string, languageId: string, content: string): string {
  const fence = fenceFor(content);
  return `${title}\n${fence}${languageId}\n${content}\n${fence}`;
}

/** The chip for a kind of context, or `undefined` when there is nothing to attach. */
export function contextChip(kind: Extract<ContextKind, 'file' | 'selection'>, snapshot: EditorSnapshot): ContextChip | undefined {
  const label = baseName(snapshot.path);
  if (kind === 'file') return { id: 'file', kind, label, detail: 'current file' };
  const selection = snapshot.selection;
  if (!selection || selection.text.trim() === '') return undefined;
  return { id: 'selection', kind, label, detail: lineRange(selection.startLine, selection.endLine) };
}

/**
 * The lines of a long file that fit `maxChars`, grown outwards from `focusLine` (the selection
 * or cursor) so the model sees the code around what the user is looking at.
 */
export function clipAround(text: string, focusLine: number, maxChars: number): { startLine: number; endLine: number; text: string } {
  const lines = text.split('\n');
  if (text.length <= maxChars) return { startLine: 0, endLine: lines.length - 1, text };
  const focus = Math.min(Math.max(focusLine, 0), lines.length - 1);
  let start = focus;
  let end = focus;
  let size = lines[focus].length;
  for (;;) {
    const canGrowDown = end + 1 < lines.length && size + lines[end + 1].length + 1 <= maxChars;
    const canGrowUp = start > 0 && size + lines[start - 1].length + 1 <= maxChars;
    if (!canGrowDown && !canGrowUp) break;
    // Grow on the side with fewer lines so far, keeping the focus line in the middle.
    if (canGrowUp && (!canGrowDown || focus - start < end - focus)) {
      start -= 1;
      size += lines[start].length + 1;
    } else {
      end += 1;
      size += lines[end].length + 1;
    }
  }
  return { startLine: start, endLine: end, text: lines.slice(start, end + 1).join('\n') };
}

/** The selection as context, or `undefined` when nothing is selected. */
export function selectionItem(snapshot: EditorSnapshot): ContextItem | undefined {
  const chip = contextChip('selection', snapshot);
  const selection = snapshot.selection;
  if (!chip || !selection) return undefined;
  const title = `Selected code from \`${snapshot.path}\` (${lineRange(selection.startLine, selection.endLine)}):`;
  return { chip, block: block(title, snapshot.languageId, selection.text) };
}

/** The file as context, clipped to `maxChars` around the selection. */
export function fileItem(snapshot: EditorSnapshot, maxChars = MAX_FILE_CHARS): ContextItem {
  const chip = contextChip('file', snapshot) as ContextChip;
  const clipped = clipAround(snapshot.text, snapshot.selection?.startLine ?? 0, maxChars);
  const total = snapshot.text.split('\n').length;
  const whole = clipped.startLine === 0 && clipped.endLine === total - 1;
  const title = whole
    ? `The file \`${snapshot.path}\`:`
    : `Part of the file \`${snapshot.path}\` (${lineRange(clipped.startLine, clipped.endLine)} of ${total}):`;
  return { chip: whole ? chip : { ...chip, detail: lineRange(clipped.startLine, clipped.endLine) }, block: block(title, snapshot.languageId, clipped.text) };
}

/** The user message the model reads: context blocks first, then the question. */
export function userMessage(question: string, blocks: readonly string[]): string {
  return blocks.length === 0 ? question : `${blocks.join('\n\n')}\n\n${question}`;
}
