import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleDatasetOptions } from '../../../src/finetune/run';

const dataset = { workspace: '/ws', out: '/out', fimRate: 0.5 };

describe('the dataset options of a fine-tuning run', () => {
  it('keep the FIM share for the completion role, each sample within the training sequence length', () => {
    assert.deepEqual(roleDatasetOptions('completion', dataset, { modelDir: '/none', seqLen: 384 }), { ...dataset, fimSeqLen: 384 });
  });

  it('drop it for the chat role, whose adapters never serve completions', () => {
    assert.deepEqual(roleDatasetOptions('chat', dataset, { modelDir: '/none', seqLen: 384 }), { ...dataset, fimRate: 0 });
    assert.deepEqual(roleDatasetOptions('completion', { ...dataset, fimRate: 0 }, { modelDir: '/none' }), { ...dataset, fimRate: 0 });
  });
});
