/**
 * @file Block-wise quantization in MatMulNBits layout: packing order, scales, the error bound
 * of half a step, and zero blocks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantizeBlockwise, quantizeBlockwise } from '../../../src/graph/quantize';

describe('quantizeBlockwise', () => {
  it('packs 4-bit codes low nibble first with the extreme value mapped to code 0', () => {
    const w = new Float32Array(32);
    w[0] = -1.6;
    w[1] = 0.2;
    w[2] = 0.4;
    const q = quantizeBlockwise(w, 1, 32, 4);
    assert.equal(q.scales[0], Math.fround(0.2));
    // codes: -1.6/0.2 + 8 = 0, 0.2/0.2 + 8 = 9, 0.4/0.2 + 8 = 10, zeros = 8.
    assert.equal(q.packed[0], 0x90);
    assert.equal(q.packed[1], 0x8a);
    assert.equal(q.packed.length, 16);
    assert.deepEqual(Array.from(dequantizeBlockwise(q).slice(0, 3)), [Math.fround(-1.6000000238418579), Math.fround(0.2), Math.fround(0.4)]);
  });

  it('keeps the error within half a step per block, for 4 and 8 bits', () => {
    const n = 3;
    const k = 96;
    const w = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    for (const bits of [4, 8] as const) {
      const q = quantizeBlockwise(w, n, k, bits);
      assert.deepEqual([q.packed.length, q.scales.length], [n * 3 * ((32 * bits) / 8), n * 3]);
      const back = dequantizeBlockwise(q);
      for (let i = 0; i < w.length; i++) {
        const step = Math.abs(q.scales[Math.floor(i / k) * 3 + Math.floor((i % k) / 32)]);
        // The positive extreme may clip by one step (the code range is [-2^(b-1), 2^(b-1) - 1]).
        assert.ok(Math.abs(back[i] - w[i]) <= step * 1.0001, `bits ${bits}, element ${i}: ${w[i]} -> ${back[i]}`);
      }
    }
  });

  it('pads K to whole blocks and gives zero scales to zero blocks', () => {
    const q = quantizeBlockwise(new Float32Array(40), 1, 40, 4);
    assert.deepEqual(Array.from(q.scales), [0, 0]);
    assert.deepEqual(Array.from(dequantizeBlockwise(q)), new Array(40).fill(0));
  });
});
