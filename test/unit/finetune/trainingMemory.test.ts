import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseTrainingMemory, fastPeakBytes } from '../../../src/finetune/trainingMemory';
import { SHAPES } from '../../../src/model/shapes';

const GB = 2 ** 30;
const run = { seqLen: 512, batchSize: 1, dropout: 0 };

describe('training memory mode', () => {
  it('estimates a fast 135M run at 512 tokens near the measured 2.67 GB peak, and larger shapes higher', () => {
    const small = fastPeakBytes(SHAPES['135M'], 512, 1);
    assert.ok(small > 2.5 * GB && small < 3.2 * GB, `${small / GB} GB`);
    assert.ok(fastPeakBytes(SHAPES['360M'], 512, 1) > 2 * small);
    assert.ok(fastPeakBytes(SHAPES['135M'], 1024, 1) > small);
  });

  it('auto runs 135M fast and 360M and 1.7B low on a 16 GB laptop', () => {
    assert.equal(chooseTrainingMemory('auto', SHAPES['135M'], run, 16 * GB).mode, 'fast');
    assert.equal(chooseTrainingMemory('auto', SHAPES['360M'], run, 16 * GB).mode, 'low');
    const big = chooseTrainingMemory('auto', SHAPES['1.7B'], run, 16 * GB);
    assert.deepEqual([big.mode, big.recompute, big.prepack], ['low', true, false]);
    assert.match(big.reason, /over a quarter of this machine's 16\.0 GB/);
    assert.equal(chooseTrainingMemory('auto', SHAPES['135M'], run, 8 * GB).mode, 'low');
  });

  it('an explicit mode wins, and dropout keeps activations stored', () => {
    const fast = chooseTrainingMemory('fast', SHAPES['1.7B'], run, 8 * GB);
    assert.deepEqual([fast.mode, fast.recompute, fast.prepack], ['fast', false, true]);
    const low = chooseTrainingMemory('low', SHAPES['135M'], run, 64 * GB);
    assert.deepEqual([low.mode, low.recompute, low.prepack], ['low', true, false]);
    const dropout = chooseTrainingMemory('low', SHAPES['135M'], { ...run, dropout: 0.1 }, 64 * GB);
    assert.deepEqual([dropout.mode, dropout.recompute], ['low', false]);
    assert.match(dropout.reason, /dropout/);
    assert.match(chooseTrainingMemory('low', SHAPES['135M'], { ...run, validation: true }, 64 * GB).reason, /validation reads the same copy of the frozen weights/);
  });

  it('with validation, a low run shares one copy of the frozen weights between its sessions; a fast run counts a third copy', () => {
    const validated = { ...run, validation: true };
    const low = chooseTrainingMemory('low', SHAPES['135M'], validated, 64 * GB);
    assert.deepEqual([low.shareFrozenWeights, chooseTrainingMemory('low', SHAPES['135M'], run, 64 * GB).shareFrozenWeights], [true, false]);
    assert.equal(chooseTrainingMemory('fast', SHAPES['135M'], validated, 64 * GB).shareFrozenWeights, false, 'prepacking needs initializers');
    const params = 134_515_008;
    assert.equal(fastPeakBytes(SHAPES['135M'], 512, 1, true) - fastPeakBytes(SHAPES['135M'], 512, 1), params * 4);
    // 3.4 GB: still fast on a 16 GB laptop.
    assert.equal(chooseTrainingMemory('auto', SHAPES['135M'], validated, 16 * GB).mode, 'fast');
  });
});
