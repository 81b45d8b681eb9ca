/**
 * @file Fill-in-the-middle samples for the completion role, in SmolCode's FIM format
 * (model/fim.ts). A share of the code chunks (`fimRate`; Refact trains 90% FIM, StarCoder 50%)
 * becomes FIM samples instead. The middle looks like what the completion pipeline asks for: it
 * starts inside a non-blank line (after the indentation half the time, as an editor's
 * auto-indent leaves the cursor, else anywhere before the line's last character; a space or tab
 * just before it moves into the middle, as the pipeline's healing of a trailing space moves it
 * into the model's text) and runs to the end of that line or of up to 7 more (the pipeline shows at most 8 lines), without the last
 * newline, so the suffix starts with it as in the editor. The sample is a window of the file
 * around the middle that fits one training sequence, so prefix, suffix and middle are never
 * split apart: the suffix takes whole lines up to the product's bound (FIM_SUFFIX_CHARS) and a
 * third of the room, the prefix whole lines before the cursor's line with what is left. The
 * trainer learns what follows the middle marker: the prefix, the middle and the end token
 * (finetune/data.ts).
 */
import { boundedSuffix, fimSampleText } from '../../../model/fim';
import type { Random } from '../split';

/** The middle's place in the file: `text.slice(start, end)`. */
export interface MiddleSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * The FIM share of a completion fine-tune (`smolcode.finetune.fimRate`, `--fim-rate`), as
 * StarCoder trained. Measured with the real SmolLM2-135M-Instruct, product defaults otherwise
 * (README, "Fill-in-the-middle adapters"): adapters trained at 0.5 in SPM order beat adapters
 * trained without FIM on mid-file suggestions in TypeScript, Python and Go (ort-common 32% vs
 * 24% exact, lib2to3 15.3% vs 11.1%, go/ast 12.5% vs 0%); next-line they were mixed.
 */
export const DEFAULT_FIM_RATE = 0.5;

/** Most lines of a middle: the pipeline's `maxLines`. */
export const MAX_MIDDLE_LINES = 8;

/** Tokens a sample needs besides its text: the two markers, the end token, and the end-of-sequence the trainer appends. */
const MARKER_TOKENS = 2 + 1 + 1;

/** Lines of `text` as [start, end) offsets, `end` before the newline. */
function lineSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    spans.push({ start, end: newline < 0 ? text.length : newline });
    if (newline < 0) return spans;
    start = newline + 1;
  }
}

/**
 * Draws a middle whose first line starts in [`from`, `to`) of `text` (a chunk's range), or
 * undefined when no non-blank line starts there. Uses `random` a fixed number of times per call.
 */
export function pickMiddle(text: string, from: number, to: number, random: Random): MiddleSpan | undefined {
  const lines = lineSpans(text);
  const candidates = lines.map((line, index) => ({ ...line, index })).filter((l) => l.start >= from && l.start < to && text.slice(l.start, l.end).trim() !== '');
  const [pick, atIndent, where, length] = [random(), random(), random(), random()];
  if (candidates.length === 0) return undefined;
  const line = candidates[Math.floor(pick * candidates.length)]!;
  const content = text.slice(line.start, line.end);
  const indent = content.length - content.trimStart().length;
  const contentEnd = content.trimEnd().length;
  // A column before the line's last non-blank character, so the middle has something to write.
  const column = atIndent < 0.5 ? indent : indent + Math.floor(where * (contentEnd - indent));
  const count = length < 0.5 ? 1 : 2 + Math.floor(((length - 0.5) / 0.5) * (MAX_MIDDLE_LINES - 1));
  const last = lines[Math.min(lines.length - 1, line.index + Math.min(count, MAX_MIDDLE_LINES) - 1)]!;
  // The pipeline heals a prompt's trailing space or tab (completion/trailingSpace.ts): the model
  // writes it, with the word it belongs to. So the middle takes the space before its start too.
  const start = line.start + column - (column > 0 && /[ \t]/.test(content[column - 1]!) ? 1 : 0);
  // Trailing blank lines and spaces stay in the suffix: the pipeline stops at a blank line.
  const end = start + text.slice(start, last.end).trimEnd().length;
  return { start, end };
}

/** Whole lines of `text` from its end (`fromEnd`) or start that fit `budget` tokens by `count`. */
function takeLines(pieces: readonly string[], budget: number, count: (text: string) => number, fromEnd: boolean): string {
  const ordered = fromEnd ? [...pieces].reverse() : pieces;
  const kept: string[] = [];
  let used = 0;
  for (const piece of ordered) {
    const cost = count(piece);
    if (used + cost > budget) break;
    kept.push(piece);
    used += cost;
  }
  return (fromEnd ? kept.reverse() : kept).join('');
}

/**
 * The FIM sample text for `middle` of `text` with `header` (the repository format's, ending with
 * the file's `<file_sep>path\n`) that fits `seqLen` tokens by `count` with the trainer's
 * end-of-sequence, or undefined when the header, the middle and the cursor's line alone do not.
 */
export function fimWindow(text: string, middle: MiddleSpan, header: string, seqLen: number, count: (text: string) => number): string | undefined {
  const middleText = text.slice(middle.start, middle.end);
  const lineStart = text.lastIndexOf('\n', middle.start - 1) + 1;
  const cursorHead = text.slice(lineStart, middle.start);
  const room = seqLen - MARKER_TOKENS - count(header) - count(middleText) - count(cursorHead);
  if (room < 0) return undefined;
  // The suffix's pieces start with their newline, the prefix's end with it.
  const suffixPieces = boundedSuffix(text.slice(middle.end)).split(/(?=\n)/);
  const prefixPieces = text.slice(0, lineStart).split(/(?<=\n)/).filter((p) => p !== '');
  let suffix = takeLines(suffixPieces.filter((p) => p !== ''), Math.floor(room / 3), count, false);
  let prefix = takeLines(prefixPieces, room - count(suffix), count, true) + cursorHead;
  // Per-piece counts approximate the joined text's: check the whole, dropping far lines until it fits.
  for (;;) {
    const sample = fimSampleText(header, prefix, middleText, suffix);
    if (count(sample) + 1 <= seqLen) return sample;
    const prefixLines = prefix.length - cursorHead.length;
    if (prefixLines > 0) prefix = prefix.slice(prefix.indexOf('\n') + 1);
    else if (suffix !== '') suffix = suffix.slice(0, Math.max(0, suffix.lastIndexOf('\n')));
    else return undefined;
  }
}

/**
 * A FIM sample from the chunk `text.slice(from, to)` of a file, or undefined when the chunk has
 * no non-blank line or the window does not fit (the chunk then stays a code sample).
 */
export function fimSample(text: string, from: number, to: number, header: string, seqLen: number, count: (text: string) => number, random: Random): string | undefined {
  const middle = pickMiddle(text, from, to, random);
  return middle ? fimWindow(text, middle, header, seqLen, count) : undefined;
}
