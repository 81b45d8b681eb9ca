import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsFloatWeights } from '../../../src/modelStore/catalog';

describe('which files a role downloads', () => {
  it('adds the float weights only for a download whose dtype has a fused graph, with the fused graph on', () => {
    const choice = { fusedGraph: true, localModelPath: '', dtype: 'q4' } as const;
    assert.equal(needsFloatWeights(choice), true);
    assert.equal(needsFloatWeights({ ...choice, fusedGraph: false }), false);
    assert.equal(needsFloatWeights({ ...choice, localModelPath: ' /models/mine ' }), false);
    assert.equal(needsFloatWeights({ ...choice, localModelPath: '   ' }), true);
    assert.equal(needsFloatWeights({ ...choice, dtype: 'q4f16' }), false);
    assert.equal(needsFloatWeights({ ...choice, dtype: 'fp32' }), true);
  });
});
