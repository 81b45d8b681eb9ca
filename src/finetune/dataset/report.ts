/**
 * @file The build report: what was kept and dropped and why, the score histogram, sample and
 * token counts, and a few samples. Written as JSON for tools and as Markdown for people (the
 * VS Code command opens its preview). It holds paths, counts and samples of kept files only,
 * never text of a dropped file, so it cannot leak a secret the filters caught.
 */
import type { ListingSource } from './collect';
import type { LanguageName } from './languages';
import { DROP_REASONS, SAMPLE_KINDS, type Dropped, type DropReason, type Mixture, type SampleKind } from './types';

export type Split = 'train' | 'validation';

/** A kept file and the split it went to. */
export interface KeptEntry {
  readonly path: string;
  readonly language: LanguageName;
  readonly score: number;
  readonly split: Split;
}

/** Counts for one split. */
export interface SplitCounts {
  samples: Record<SampleKind, number>;
  /** All tokens of the tokenised samples. */
  tokens: number;
  /** Tokens whose label is not -100. */
  trainedTokens: number;
  /** Code samples written in the fill-in-the-middle format (counted in `samples.code` too). */
  fimSamples: number;
}

/** Samples left out, by why. */
export interface Skipped {
  /** A conversation longer than the sequence length. */
  tooLong: number;
  /** Text holding a special-token string such as `<|im_end|>`, which would corrupt the format. */
  specialTokens: number;
  /** A file that changed between scanning and sampling. */
  changed: number;
}

/** A sample shown in the report. */
export type Example = { readonly kind: 'code'; readonly text: string } | { readonly kind: Exclude<SampleKind, 'code'>; readonly messages: readonly { role: string; content: string }[] };

export interface DatasetReport {
  readonly repoName: string;
  readonly listing: ListingSource;
  readonly settings: { readonly seed: number; readonly seqLen: number; readonly minScore: number; readonly validationFraction: number; readonly languages: readonly LanguageName[]; readonly mixture: Mixture; readonly fimRate: number; readonly fimSeqLen: number };
  readonly files: { readonly seen: number; readonly kept: number; readonly dropped: number };
  readonly keptByLanguage: Partial<Record<LanguageName, { files: number; bytes: number }>>;
  readonly droppedByReason: Partial<Record<DropReason, number>>;
  /** Kept and low-quality files per half-point of score: index 0 is [0, 0.5), index 9 is [4.5, 5]. */
  readonly scoreHistogram: readonly number[];
  readonly splits: Readonly<Record<Split, SplitCounts>>;
  readonly skipped: Skipped;
  readonly kept: readonly KeptEntry[];
  readonly dropped: readonly Dropped[];
  readonly examples: readonly Example[];
}

/** Empty counts for a split. */
export function emptySplitCounts(): SplitCounts {
  return { samples: Object.fromEntries(SAMPLE_KINDS.map((k) => [k, 0])) as Record<SampleKind, number>, tokens: 0, trainedTokens: 0, fimSamples: 0 };
}

/** The histogram bin of a score. */
export function scoreBin(score: number): number {
  return Math.min(9, Math.floor(score * 2));
}

const MAX_LISTED = 50;
/**
 * File and folder names are the user's, and any name is legal: `[a](b).py`, `<img…>.js`, `*x*`.
 * Every character that Markdown or inline HTML gives a meaning is backslash-escaped (CommonMark
 * allows that before any ASCII punctuation) and line breaks become spaces, so a name renders as
 * itself and cannot break the table, start a link or inject HTML into the preview.
 */
const escapeMarkdown = (text: string) => text.replace(/[\\`*_[\]<>|~&$!#]/g, '\\$&').replace(/[\r\n]+/g, ' ');
/** Paths past the OS limit run to kilobytes; the table shows their ends, report.json all of it. */
const MAX_PATH_SHOWN = 160;
const shortened = (path: string) => (path.length > MAX_PATH_SHOWN ? `${path.slice(0, 60)}…${path.slice(-(MAX_PATH_SHOWN - 61))}` : path);

function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}

/** The report as Markdown. */
export function reportMarkdown(report: DatasetReport): string {
  const out: string[] = [];
  const { files, splits } = report;
  out.push(`# Training set for ${escapeMarkdown(report.repoName)}`, '');
  out.push(`${files.seen} files seen (listed by ${report.listing === 'git' ? 'git' : 'walking the folder'}), ${files.kept} kept, ${files.dropped} dropped. Seed ${report.settings.seed}, sequence length ${report.settings.seqLen}, minimum score ${report.settings.minScore}.`, '');
  out.push('## Samples', '', '| split | ' + SAMPLE_KINDS.join(' | ') + ' | tokens | trained tokens |', '|---|' + SAMPLE_KINDS.map(() => '---:|').join('') + '---:|---:|');
  for (const split of ['train', 'validation'] as const) {
    const c = splits[split];
    out.push(`| ${split} | ${SAMPLE_KINDS.map((k) => c.samples[k]).join(' | ')} | ${c.tokens} | ${c.trainedTokens} |`);
  }
  if (report.settings.fimRate > 0) {
    out.push('', `Fill-in-the-middle: ${splits.train.fimSamples} training and ${splits.validation.fimSamples} validation code samples in the FIM format (rate ${report.settings.fimRate}, each within ${report.settings.fimSeqLen} tokens).`);
  }
  const { tooLong, specialTokens, changed } = report.skipped;
  if (tooLong + specialTokens + changed > 0) out.push('', `Skipped: ${tooLong} too long, ${specialTokens} holding special-token text, ${changed} from files changed while building.`);
  out.push('', '## Kept files by language', '', '| language | files | bytes |', '|---|---:|---:|');
  for (const [language, c] of Object.entries(report.keptByLanguage)) out.push(`| ${language} | ${c.files} | ${c.bytes} |`);
  out.push('', '## Dropped files by reason', '', '| reason | files |', '|---|---:|');
  for (const reason of DROP_REASONS) {
    const n = report.droppedByReason[reason];
    if (n) out.push(`| ${reason} | ${n} |`);
  }
  out.push('', '## Quality scores', '', '| score | files |', '|---|---:|');
  report.scoreHistogram.forEach((n, i) => out.push(`| ${(i / 2).toFixed(1)}-${((i + 1) / 2).toFixed(1)} | ${n} |`));
  out.push('', `## Dropped files${report.dropped.length > MAX_LISTED ? ` (first ${MAX_LISTED} of ${report.dropped.length}; all are in report.json)` : ''}`, '', '| file | reason | detail |', '|---|---|---|');
  for (const d of report.dropped.slice(0, MAX_LISTED)) out.push(`| ${escapeMarkdown(shortened(d.path))} | ${d.reason} | ${escapeMarkdown(d.detail ?? '')} |`);
  out.push('', '## Example samples');
  for (const example of report.examples) {
    out.push('', `### ${example.kind}`, '');
    if (example.kind === 'code') out.push(fence(example.text));
    else for (const m of example.messages) out.push(`**${m.role}:**`, '', fence(m.content), '');
  }
  return `${out.join('\n')}\n`;
}

/** A one-line account of a dataset report, for messages and the log. */
export function datasetSummary(report: DatasetReport): string {
  const count = (split: keyof DatasetReport['splits']) => Object.values(report.splits[split].samples).reduce((a, b) => a + b, 0);
  const fim = report.splits.train.fimSamples + report.splits.validation.fimSamples;
  return `${report.files.kept} of ${report.files.seen} files kept; ${count('train')} training and ${count('validation')} validation samples${fim > 0 ? ` (${fim} of them fill-in-the-middle)` : ''}`;
}
