/**
 * @file Why a training set came out empty or too small, in words a user can act on. Refact's
 * users hit a silent stop here; a count of "0 samples" says nothing about which filter took the
 * files or which setting would let them through, so the message names the main reasons and the
 * setting behind each.
 */
import type { DatasetReport } from './report';
import type { DropReason } from './types';

/**
 * Fewer trained tokens than this and a LoRA run mostly memorises a handful of lines: about four
 * sequences of 512 tokens. The run still goes ahead, with a warning, because a small repository
 * is a legitimate thing to adapt to.
 */
export const MIN_TRAINED_TOKENS = 2048;

/** What a user can do about each reason, where something can be done. */
const ADVICE: Partial<Record<DropReason, string>> = {
  'low-quality': 'lower smolcode.dataset.minScore',
  'unsupported-language': 'add the language to smolcode.dataset.languages',
  'too-small': 'files need a few lines of code each',
  vendored: 'vendored folders (node_modules, vendor, third_party) are skipped on purpose',
  generated: 'generated files are skipped on purpose',
  'perplexity-outlier': 'turn off smolcode.dataset.perplexityFilter',
  secret: 'files with secrets are never trained on',
  'secret-file': 'files with secrets are never trained on',
  'near-duplicate': 'near-duplicate files count once',
  duplicate: 'duplicate files count once',
};

/** The largest drop reasons, most files first, with their advice: "3 low-quality (lower smolcode.dataset.minScore)". */
export function dropReasonsText(report: DatasetReport, limit = 3): string {
  const reasons = (Object.entries(report.droppedByReason) as [DropReason, number][]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) return report.files.seen === 0 ? 'no files were found (is the folder empty, or all of it ignored by .gitignore?)' : 'no file was dropped';
  const shown = reasons.slice(0, limit).map(([reason, n]) => `${n} ${reason}${ADVICE[reason] ? ` (${ADVICE[reason]})` : ''}`);
  const rest = reasons.slice(limit).reduce((sum, [, n]) => sum + n, 0);
  return `dropped: ${shown.join(', ')}${rest > 0 ? `, ${rest} for other reasons` : ''}`;
}

/** Why the split has no samples for the role; `samples` is what the role counts. */
export function emptyTrainingSetMessage(report: DatasetReport, workspace: string, role: string): string {
  const { seen, kept } = report.files;
  const cause = kept === 0 ? `none of its ${seen} files was kept; ${dropReasonsText(report)}` : `${kept} of ${seen} files were kept, but they gave no ${role} samples; ${dropReasonsText(report)}`;
  return `the training set of ${workspace} is empty: ${cause}`;
}

/** A warning when the training split is too small to teach much, else undefined (an empty one is an error, said by `emptyTrainingSetMessage`). */
export function smallTrainingSetWarning(report: DatasetReport): string | undefined {
  const trained = report.splits.train.trainedTokens;
  if (trained === 0 || trained >= MIN_TRAINED_TOKENS) return undefined;
  return `the training set is small: ${trained} trained tokens from ${report.files.kept} files (at least ${MIN_TRAINED_TOKENS} are advised), so the adapter will mostly memorise them; ${dropReasonsText(report)}`;
}
