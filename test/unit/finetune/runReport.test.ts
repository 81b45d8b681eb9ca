import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanThroughput, runReportMarkdown, type RunSummary } from '../../../src/finetune/runReport';

const run: RunSummary = {
  workspace: 'my-project',
  role: 'completion',
  baseModel: 'SmolLM2-135M',
  baseModelDir: '/models/SmolLM2-135M',
  dataFile: '/data/code-train.jsonl',
  valFile: '/data/code-validation.jsonl',
  status: 'completed',
  steps: 3,
  plannedSteps: 3,
  trainSamples: 12,
  valSamples: 2,
  initialValLoss: 3,
  bestValLoss: 2.4,
  trainLosses: [
    { step: 1, loss: 3.1 },
    { step: 2, loss: 2.8 },
    { step: 3, loss: 2.5 },
  ],
  valLosses: [
    { step: 0, loss: 3 },
    { step: 3, loss: 2.4 },
  ],
  tokensPerSecond: 1234.4,
  trainingSeconds: 125,
  mergeSeconds: 2.5,
  lora: { rank: 8, alpha: 16, targets: ['q_proj', 'v_proj'] },
  lr: 2e-4,
  seqLen: 512,
  provider: 'cpu',
  mergedVariant: 'fp32',
  finished: '2025-01-02T03:04:05.000Z',
};

describe('the fine-tuning report', () => {
  it('shows the loss picture and the validation loss before and after', () => {
    const md = runReportMarkdown(run);
    assert.match(md, /^# Fine-tuning report: my-project \(completion\)/);
    assert.ok(md.includes('![Training and validation loss per step](loss.svg)'));
    assert.ok(md.includes('| Validation loss before | 3.0000 |'));
    assert.ok(md.includes('| Validation loss after (best) | 2.4000 (-20.0%) |'));
    assert.ok(md.includes('| Steps | 3 of 3 |'));
    assert.ok(md.includes('| Tokens/s (training) | 1234 on cpu |'));
    assert.ok(md.includes('| Training time | 2 min 5 s |'));
    assert.ok(md.includes('rank 8, alpha 16, on q_proj, v_proj'));
  });

  it('says when there was no validation set, training stopped early, or the merge used another dtype', () => {
    const md = runReportMarkdown({ ...run, valFile: null, initialValLoss: null, bestValLoss: null, status: 'early-stopped', steps: 2, mergedNote: 'Merged as fp32: q4f16 is not a merge variant.' });
    assert.ok(md.includes('| Validation loss before | n/a |'));
    assert.ok(md.includes('No validation samples were available'));
    assert.ok(md.includes('stopped early after 2 of 3 steps'));
    assert.ok(md.includes('Merged as fp32: q4f16 is not a merge variant.'));
  });

  it('shows small changes with two decimals', () => {
    assert.ok(runReportMarkdown({ ...run, initialValLoss: 11.0189, bestValLoss: 11.0149 }).includes('| 11.0149 (-0.04%) |'));
  });

  it('averages throughput over finite values', () => {
    assert.equal(meanThroughput([100, 200, Number.POSITIVE_INFINITY]), 150);
    assert.equal(meanThroughput([]), 0);
  });
});
