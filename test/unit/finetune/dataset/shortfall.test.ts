import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySplitCounts, type DatasetReport } from '../../../../src/finetune/dataset/report';
import { dropReasonsText, emptyTrainingSetMessage, MIN_TRAINED_TOKENS, smallTrainingSetWarning } from '../../../../src/finetune/dataset/shortfall';
import { DEFAULT_MIXTURE } from '../../../../src/finetune/dataset/types';

function report(overrides: Partial<DatasetReport>): DatasetReport {
  return {
    repoName: 'app',
    listing: 'git',
    settings: { seed: 0, seqLen: 2048, minScore: 2.5, validationFraction: 0.1, languages: ['Python'], mixture: DEFAULT_MIXTURE, fimRate: 0, fimSeqLen: 2048 },
    files: { seen: 0, kept: 0, dropped: 0 },
    keptByLanguage: {},
    droppedByReason: {},
    scoreHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    splits: { train: emptySplitCounts(), validation: emptySplitCounts() },
    skipped: { tooLong: 0, specialTokens: 0, changed: 0 },
    kept: [],
    dropped: [],
    examples: [],
    ...overrides,
  };
}

describe('why a training set is empty or small', () => {
  it('names the largest drop reasons first, with the setting that lets files through', () => {
    const r = report({ files: { seen: 9, kept: 0, dropped: 9 }, droppedByReason: { 'low-quality': 5, 'unsupported-language': 3, binary: 1 } });
    assert.equal(
      dropReasonsText(r),
      'dropped: 5 low-quality (lower smolcode.dataset.minScore), 3 unsupported-language (add the language to smolcode.dataset.languages), 1 binary',
    );
    assert.equal(dropReasonsText(r, 1), 'dropped: 5 low-quality (lower smolcode.dataset.minScore), 4 for other reasons');
  });

  it('says when no files were found at all', () => {
    assert.equal(
      emptyTrainingSetMessage(report({}), 'app', 'completion'),
      'the training set of app is empty: none of its 0 files was kept; no files were found (is the folder empty, or all of it ignored by .gitignore?)',
    );
  });

  it('tells kept files that gave no samples for the role apart from files dropped', () => {
    const r = report({ files: { seen: 2, kept: 1, dropped: 1 }, droppedByReason: { 'too-small': 1 } });
    assert.equal(
      emptyTrainingSetMessage(r, 'app', 'chat'),
      'the training set of app is empty: 1 of 2 files were kept, but they gave no chat samples; dropped: 1 too-small (files need a few lines of code each)',
    );
  });

  it('warns below the minimum of trained tokens, and not from it on', () => {
    const small = report({ files: { seen: 3, kept: 1, dropped: 2 }, droppedByReason: { generated: 2 }, splits: { train: { ...emptySplitCounts(), trainedTokens: 300 }, validation: emptySplitCounts() } });
    assert.equal(
      smallTrainingSetWarning(small),
      `the training set is small: 300 trained tokens from 1 files (at least ${MIN_TRAINED_TOKENS} are advised), so the adapter will mostly memorise them; dropped: 2 generated (generated files are skipped on purpose)`,
    );
    const enough = report({ splits: { train: { ...emptySplitCounts(), trainedTokens: MIN_TRAINED_TOKENS }, validation: emptySplitCounts() } });
    assert.equal(smallTrainingSetWarning(enough), undefined);
    assert.equal(smallTrainingSetWarning(report({})), undefined, 'an empty set is an error, not a warning');
  });
});
