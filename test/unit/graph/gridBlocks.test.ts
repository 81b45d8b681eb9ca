import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantize } from '../../../src/graph/gguf/dequantize';
import { quantizeQ4_0, quantizeQ8_0 } from '../../../src/graph/gguf/ggmlEncode';
import { GgmlType } from '../../../src/graph/gguf/ggmlTypes';
import { recoverGridBlocks } from '../../../src/graph/gridBlocks';
import { floatToHalfBits } from '../../../src/graph/half';
import { quantizeBlockwise, type QuantizedMatrix } from '../../../src/graph/quantize';
import { Rng } from '../../../src/graph/rng';

const N = 6;
const K = 96;

function gaussian(seed: number, count: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count }, () => {
    const u = Math.max(rng.next(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  });
}

/** Q4_1 blocks as llama.cpp's quantize_row_q4_1_ref makes them: d = (max − min) / 15, m = min, q = min(15, trunc((x − m)/d + 0.5)). */
function quantizeQ4_1(values: Float32Array): Uint8Array {
  const out = new Uint8Array((values.length / 32) * 20);
  const view = new DataView(out.buffer);
  for (let b = 0; b < values.length / 32; b++) {
    const block = values.subarray(b * 32, b * 32 + 32);
    const min = Math.min(...block);
    const d = Math.fround((Math.max(...block) - min) / 15);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * 20, floatToHalfBits(d), true);
    view.setUint16(b * 20 + 2, floatToHalfBits(min), true);
    const q = Array.from(block, (x) => Math.min(15, Math.trunc(Math.fround((x - min) * id) + 0.5)));
    for (let j = 0; j < 16; j++) out[b * 20 + 4 + j] = q[j] | (q[j + 16] << 4);
  }
  return out;
}

/** The values MatMulNBits computes with: (code − zero) · scale + offset. */
function gridValues(m: QuantizedMatrix): Float32Array {
  const blocks = m.k / m.blockSize;
  const zero = 1 << (m.bits - 1);
  const out = new Float32Array(m.n * m.k);
  for (let i = 0; i < out.length; i++) {
    const b = Math.floor(i / m.k) * blocks + Math.floor((i % m.k) / m.blockSize);
    const j = i % m.blockSize;
    const code = m.bits === 8 ? m.packed[b * m.blockSize + j] : (m.packed[b * 16 + (j >> 1)] >> ((j & 1) * 4)) & 0xf;
    out[i] = (code - zero) * m.scales[b] + (m.offsets?.[b] ?? 0);
  }
  return out;
}

function assertSameValues(ours: Float32Array, expected: Float32Array) {
  const largest = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(ours[i] - expected[i]) <= 1e-6 * largest, `value ${i}: ${ours[i]} vs ${expected[i]}`);
}

describe('blocks recovered from dequantized floats', () => {
  const weights = gaussian(3, N * K, 0.05);
  const cases = [
    ['Q4_0', GgmlType.Q4_0, quantizeQ4_0, 4, false],
    ['Q4_1', GgmlType.Q4_1, quantizeQ4_1, 4, true],
    ['Q8_0', GgmlType.Q8_0, quantizeQ8_0, 8, false],
  ] as const;
  for (const [label, type, encode, bits, offsets] of cases) {
    it(`gives back ${label}'s blocks: the same values, ${offsets ? 'with' : 'without'} offsets`, () => {
      const floats = dequantize(type, encode(weights), N * K);
      const blocks = recoverGridBlocks(floats, N, K, bits)!;
      assert.ok(blocks, `${label} not recovered`);
      assert.equal(blocks.offsets !== undefined, offsets);
      assertSameValues(gridValues(blocks), floats);
    });
  }

  it("gives back Q4_1's own scales and codes", () => {
    const bytes = quantizeQ4_1(weights);
    const blocks = recoverGridBlocks(dequantize(GgmlType.Q4_1, bytes, N * K), N, K, 4)!;
    const view = new DataView(bytes.buffer);
    for (let b = 0; b < (N * K) / 32; b++) {
      const d = dequantize(GgmlType.F16, bytes.subarray(b * 20, b * 20 + 2), 1)[0];
      assert.ok(Math.abs(blocks.scales[b] - d) <= 1e-6 * d, `block ${b} scale ${blocks.scales[b]} vs ${d}`);
      // ggml packs elements j and j + 16 in byte j; MatMulNBits packs 2t and 2t + 1 in byte t.
      const codes = Array.from({ length: 32 }, (_, i) => (i < 16 ? view.getUint8(b * 20 + 4 + i) & 0xf : view.getUint8(b * 20 + 4 + i - 16) >> 4));
      for (let t = 0; t < 16; t++) assert.equal(blocks.packed[b * 16 + t], codes[2 * t] | (codes[2 * t + 1] << 4), `block ${b} byte ${t}`);
    }
  });

  it('refuses floats on no grid, or with one block off it, and K that is no whole number of blocks', () => {
    assert.equal(recoverGridBlocks(weights, N, K, 4), undefined);
    assert.equal(recoverGridBlocks(weights, N, K, 8), undefined);
    const floats = dequantize(GgmlType.Q4_1, quantizeQ4_1(weights), N * K);
    floats[N * K - 5] += 1e-3;
    assert.equal(recoverGridBlocks(floats, N, K, 4), undefined);
    assert.equal(recoverGridBlocks(dequantize(GgmlType.Q4_0, quantizeQ4_0(weights), N * K), N * 2, K / 2, 4), undefined);
  });

  it('takes our own 4-bit blocks back too, and a block of zeros', () => {
    const ours = quantizeBlockwise(weights, N, K, 4);
    const values = gridValues(ours);
    values.fill(0, 0, 32);
    const back = recoverGridBlocks(values, N, K, 4)!;
    assert.equal(back.offsets, undefined);
    assertSameValues(gridValues(back), values);
  });
});
