import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySplitCounts, reportMarkdown, scoreBin, type DatasetReport } from '../../../../src/finetune/dataset/report';
import { DEFAULT_MIXTURE } from '../../../../src/finetune/dataset/types';

const report: DatasetReport = {
  repoName: 'app',
  listing: 'git',
  settings: { seed: 0, seqLen: 2048, minScore: 2.5, validationFraction: 0.1, languages: ['Python'], mixture: DEFAULT_MIXTURE, fimRate: 0, fimSeqLen: 2048 },
  files: { seen: 3, kept: 1, dropped: 2 },
  keptByLanguage: { Python: { files: 1, bytes: 120 } },
  droppedByReason: { secret: 1, 'low-quality': 1 },
  scoreHistogram: [0, 0, 0, 0, 1, 0, 0, 1, 0, 0],
  splits: { train: emptySplitCounts(), validation: emptySplitCounts() },
  skipped: { tooLong: 0, specialTokens: 0, changed: 0 },
  kept: [{ path: 'a.py', language: 'Python', score: 3.6, split: 'train' }],
  dropped: [
    { path: 'keys|x.py', reason: 'secret', detail: 'aws-access-key-id' },
    { path: 'b.py', reason: 'low-quality', detail: 'score 2.1 < 2.5' },
  ],
  examples: [{ kind: 'code', text: 'x = "```"' }],
};

describe('the report', () => {
  it('bins scores by half points, 5 in the last bin', () => {
    assert.deepEqual([0, 0.49, 0.5, 2.5, 4.9, 5].map(scoreBin), [0, 0, 1, 5, 9, 9]);
  });

  it('renders counts, reasons and examples as Markdown, escaping table cells and fences', () => {
    const markdown = reportMarkdown(report);
    assert.match(markdown, /^# Training set for app/);
    assert.match(markdown, /\| secret \| 1 \|/);
    assert.match(markdown, /\| keys\\\|x\.py \| secret \| aws-access-key-id \|/);
    assert.match(markdown, /````\nx = "```"\n````/);
  });

  it('escapes Markdown and HTML in file names, so a name renders as itself', () => {
    const hostile: DatasetReport = {
      ...report,
      repoName: '# <b>app</b>',
      dropped: [{ path: 'docs/[x](javascript:alert(1))*y*_z_`c`<img src=x onerror=alert(1)>&amp;\n| ~~s~~ !.py', reason: 'duplicate', detail: 'same content as a/[b].py' }],
    };
    const markdown = reportMarkdown(hostile);
    assert.match(markdown, /^# Training set for \\# \\<b\\>app\\<\/b\\>\n/);
    const row = markdown.split('\n').find((line) => line.startsWith('| docs/')) ?? '';
    assert.equal(row, String.raw`| docs/\[x\](javascript:alert(1))\*y\*\_z\_\`c\`\<img src=x onerror=alert(1)\>\&amp; \| \~\~s\~\~ \!.py | duplicate | same content as a/\[b\].py |`);
  });
});
