import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causalTable, ropeInvFreq, rotaryTable } from '../../../src/model/llamaMath';
import { tinyConfig } from '../../support/tinyModel';

describe('the math the three Llama graphs share', () => {
  const config = tinyConfig();
  const half = config.headDim / 2;

  it('rotary tables: the full layout repeats the half one over both halves, angle p·inv_freq in float32', () => {
    const narrow = rotaryTable(config, 5, 'half');
    const wide = rotaryTable(config, 5, 'full');
    const invFreq = ropeInvFreq(config.headDim, config.ropeTheta);
    for (let p = 0; p < 5; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * invFreq[i]);
        assert.equal(narrow.cos[p * half + i], Math.fround(Math.cos(angle)));
        assert.equal(narrow.sin[p * half + i], Math.fround(Math.sin(angle)));
        for (const j of [i, i + half]) {
          assert.equal(wide.cos[p * config.headDim + j], narrow.cos[p * half + i]);
          assert.equal(wide.sin[p * config.headDim + j], narrow.sin[p * half + i]);
        }
      }
    }
    assert.deepEqual([narrow.cos[0], narrow.sin[0]], [1, 0]);
  });

  it('causal table: key j visible to query i exactly when j ≤ i', () => {
    assert.deepEqual([...causalTable(3)], [1, 0, 0, 1, 1, 0, 1, 1, 1]);
  });
});
