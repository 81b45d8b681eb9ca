/**
 * @file Fits a parsed diff into a token budget for the commit-message prompt. Every shown file
 * keeps its header, so the model sees the whole list of what changed; then the hunks share what
 * is left by water-filling (smallest files first, each taking at most an equal share of the
 * rest), so one huge file cannot crowd out the small ones that often say what the commit is
 * about. A hunk that does not fit is cut at a line with a note, and files that do not fit at
 * all are named as omitted. Works on token counts only, so the policy is tested without a
 * tokenizer.
 */
import type { FileDiff } from './diffParse';

/** A file with the token counts of its header and of each hunk. */
export interface SizedFile {
  readonly file: FileDiff;
  readonly headerTokens: number;
  readonly hunkTokens: readonly number[];
}

/** What goes into the prompt. */
export interface FittedDiff {
  /** The diff text shown to the model: headers and the hunks (or parts) that fit. */
  readonly text: string;
  /** One line per summarised file, e.g. `package-lock.json (lock file, +120 -30)`. */
  readonly summaries: readonly string[];
  /** Paths of the files left out entirely. */
  readonly omitted: readonly string[];
  /** How many hunks were cut short or left out. */
  readonly cutHunks: number;
  /** Estimated tokens of `text` plus `summaries`. */
  readonly tokens: number;
}

/** A hunk gets cut rather than dropped only if this many tokens of it fit. */
const MIN_CUT_TOKENS = 24;
/** The cost charged for a note line such as "… (12 more lines cut)". */
const NOTE_TOKENS = 12;

/** A summarised file's line: path, why, and its line counts. */
export function summaryLine(file: FileDiff): string {
  return `${file.path} (${file.summary ?? 'changed'}, +${file.added} -${file.removed})`;
}

/** Tokens of a text estimated from its length, for lines no tokenizer counted. */
export function estimateTokens(text: string): number {
  // Code averages 3-4 characters a token in SmolLM2's tokenizer; 2.5 errs on the large side.
  return Math.ceil(text.length / 2.5);
}

/**
 * The first lines of `hunk` that fit in `tokens` (of its `hunkTokens`), by the share of
 * characters, with a note of how many lines were cut.
 */
export function cutHunk(hunk: string, hunkTokens: number, tokens: number): string {
  const lines = hunk.replace(/\n$/, '').split('\n');
  const perChar = hunkTokens / Math.max(1, hunk.length);
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = (line.length + 1) * perChar;
    if (kept.length > 0 && used + cost > tokens - NOTE_TOKENS) break;
    kept.push(line);
    used += cost;
  }
  const cut = lines.length - kept.length;
  return kept.join('\n') + '\n' + (cut > 0 ? `… (${cut} more lines of this hunk cut)\n` : '');
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** A shown file's header, plus room for the note that hunks were left out, should that happen. */
const headerCost = (sized: SizedFile): number => sized.headerTokens + (sized.file.hunks.length > 0 ? NOTE_TOKENS : 0);

/** Chooses what of `files` fits in `budget` tokens. */
export function fitDiff(files: readonly SizedFile[], budget: number): FittedDiff {
  let left = budget;
  const summaries: string[] = [];
  const omitted: string[] = [];
  const shown: SizedFile[] = [];
  for (const sized of files) {
    if (sized.file.summary) {
      const line = summaryLine(sized.file);
      const cost = estimateTokens(line);
      if (cost <= left) {
        summaries.push(line);
        left -= cost;
      } else omitted.push(sized.file.path);
    } else if (headerCost(sized) <= left) {
      shown.push(sized);
      left -= headerCost(sized);
    } else omitted.push(sized.file.path);
  }

  // Water-filling: the smallest files take all they need while that is under an equal share.
  const allotment = new Map<SizedFile, number>();
  const bySize = [...shown].sort((a, b) => sum(a.hunkTokens) - sum(b.hunkTokens));
  bySize.forEach((sized, index) => {
    const share = Math.floor(left / (bySize.length - index));
    const given = Math.min(sum(sized.hunkTokens), share);
    allotment.set(sized, given);
    left -= given;
  });

  let cutHunks = 0;
  let used = 0;
  const parts: string[] = [];
  for (const sized of shown) {
    let room = allotment.get(sized) ?? 0;
    parts.push(sized.file.header);
    used += headerCost(sized);
    for (let h = 0; h < sized.file.hunks.length; h++) {
      const tokens = sized.hunkTokens[h];
      if (tokens <= room) {
        parts.push(sized.file.hunks[h]);
        room -= tokens;
        used += tokens;
        continue;
      }
      const rest = sized.file.hunks.length - h;
      if (room >= MIN_CUT_TOKENS + NOTE_TOKENS) {
        parts.push(cutHunk(sized.file.hunks[h], tokens, room));
        used += room;
        if (rest > 1) parts.push(`… (${rest - 1} more ${rest - 1 === 1 ? 'hunk' : 'hunks'} of this file left out)\n`);
      } else {
        parts.push(`… (${rest} ${rest === 1 ? 'hunk' : 'hunks'} of this file left out)\n`);
      }
      cutHunks += rest;
      break;
    }
  }
  return { text: parts.join(''), summaries, omitted, cutHunks, tokens: used + sum(summaries.map(estimateTokens)) };
}
