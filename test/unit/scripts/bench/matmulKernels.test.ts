import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layerProjections, median } from '../../../../scripts/bench/matmulKernels';

describe('matmul kernel bench', () => {
  it("takes one layer's projections from the shape table ([out, in], q, k and v stacked, gate and up stacked)", () => {
    assert.deepEqual(
      layerProjections('135M').map((p) => [p.name, p.out, p.inp]),
      [['qkv', 960, 576], ['o', 576, 576], ['gate_up', 3072, 576], ['down', 576, 1536]],
    );
    assert.deepEqual(layerProjections('360M')[0], { name: 'qkv', out: 960 + 2 * 320, inp: 960 });
  });

  it('reports medians of odd and even counts', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});
