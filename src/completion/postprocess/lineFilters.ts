/**
 * @file Line-level stages of the streaming postprocessing, as async generators: each takes the
 * suggestion's lines (line 0 continues the cursor's line) and stops early when its rule says
 * the suggestion is complete. Stopping iteration propagates up and cancels generation.
 */
import type { CursorLine } from '../types';
import { endsWithBlockOpener } from './mode';

export type Lines = AsyncIterable<string>;

/** Splits streamed text into lines; the last one may lack its newline. */
export async function* toLines(chunks: AsyncIterable<string>): Lines {
  let partial = '';
  for await (const chunk of chunks) {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() as string;
    yield* parts;
  }
  yield partial;
}

/** Single-line mode: only the rest of the cursor's line. */
export async function* firstLineOnly(lines: Lines): Lines {
  for await (const line of lines) {
    yield line;
    return;
  }
}

/** Multi-line mode: a blank line after the first line ends the block. */
export async function* stopAtBlankLine(lines: Lines): Lines {
  let index = 0;
  for await (const line of lines) {
    if (index++ > 0 && line.trim() === '') return;
    yield line;
  }
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

const CLOSER_LINE = /^\s*[}\])]+[;,)]*\s*$/;

function nextNonEmpty(lines: readonly string[]): string | undefined {
  return lines.find((l) => l.trim() !== '');
}

/**
 * Multi-line mode: stop at a line indented less than the cursor's block. After a block opener,
 * the line that closes the block at the opener's indent is kept, unless the document already
 * has that closing line right after the cursor.
 */
export async function* stopAtDedent(lines: Lines, cursor: CursorLine, languageId: string): Lines {
  const opener = endsWithBlockOpener(cursor.before, languageId) && cursor.before.trim() !== '';
  const blockIndent = opener ? indentOf(cursor.before) + 1 : cursor.before.length;
  const existingCloser = nextNonEmpty(cursor.nextLines);
  let index = 0;
  for await (const line of lines) {
    if (index++ === 0 || line.trim() === '' || indentOf(line) >= blockIndent) {
      yield line;
      continue;
    }
    const closesBlock = opener && indentOf(line) === blockIndent - 1 && CLOSER_LINE.test(line);
    if (closesBlock && existingCloser?.trim() !== line.trim()) yield line;
    return;
  }
}

/** Stops before a line that repeats the document's next non-empty line (the model is re-typing the suffix). */
export async function* stopAtRepeatedSuffix(lines: Lines, cursor: CursorLine): Lines {
  // Indentation counts: a method's `  }` is not the class's `}` on the next line.
  const next = nextNonEmpty(cursor.nextLines)?.trimEnd();
  let index = 0;
  for await (const line of lines) {
    if (index++ > 0 && next !== undefined && line.trimEnd() === next) return;
    yield line;
  }
}
