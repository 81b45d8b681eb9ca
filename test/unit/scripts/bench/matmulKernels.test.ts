import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layerProjections } from '../../../../scripts/bench/matmulKernels';

describe('matmul kernel bench', () => {
  it("takes one layer's projections from the shape table ([out, in], q, k and v stacked, gate and up stacked)", () => {
    assert.deepEqual(
      layerProjections('135M').map((p) => [p.name, p.out, p.inp]),
      [['qkv', 960, 576], ['o', 576, 576], ['gate_up', 3072, 576], ['down', 576, 1536]],
    );
    assert.deepEqual(layerProjections('360M')[0], { name: 'qkv', out: 960 + 2 * 320, inp: 960 });
  });
});
