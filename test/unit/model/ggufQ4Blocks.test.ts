import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantize } from '../../../src/graph/gguf/dequantize';
import { GgmlType } from '../../../src/graph/gguf/ggmlTypes';
import { floatToHalfBits } from '../../../src/graph/half';
import { stackQuantizedRows, type QuantizedMatrix } from '../../../src/graph/quantize';
import { q4Blocks } from '../../../src/model/ggufImport';

/** Values MatMulNBits computes with: (code − 8) · scale + offset, codes packed two per byte, low first. */
function matMulNBitsValues(m: QuantizedMatrix): Float32Array {
  const out = new Float32Array(m.n * m.k);
  const blocks = m.k / m.blockSize;
  for (let r = 0; r < m.n; r++) {
    for (let c = 0; c < m.k; c++) {
      const b = r * blocks + Math.floor(c / m.blockSize);
      const byte = m.packed[b * 16 + Math.floor((c % m.blockSize) / 2)];
      const code = c % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[r * m.k + c] = (code - 8) * m.scales[b] + (m.offsets?.[b] ?? 0);
    }
  }
  return out;
}

/** Q4 GGUF blocks with d and m at the given values and codes (i·7 + block) mod 16. */
function ggufBlocks(type: 2 | 3, ds: number[], ms: number[]): Uint8Array {
  const size = type === 3 ? 20 : 18;
  const bytes = new Uint8Array(ds.length * size);
  const view = new DataView(bytes.buffer);
  ds.forEach((d, b) => {
    view.setUint16(b * size, floatToHalfBits(d), true);
    if (type === 3) view.setUint16(b * size + 2, floatToHalfBits(ms[b]), true);
    const quants = b * size + (type === 3 ? 4 : 2);
    for (let j = 0; j < 16; j++) bytes[quants + j] = ((j * 7 + b) % 16) | ((((j + 16) * 7 + b) % 16) << 4);
  });
  return bytes;
}

describe("a GGUF's own 4-bit blocks in MatMulNBits' layout", () => {
  for (const [label, type] of [['Q4_0', GgmlType.Q4_0], ['Q4_1', GgmlType.Q4_1]] as const) {
    it(`gives the values gguf-py's layout gives (${label}), to float rounding`, () => {
      const ds = [0.01, -0.02, 0, 0.5];
      const ms = [-0.07, 0.3, 0.25, -1];
      const bytes = ggufBlocks(type, ds, ms);
      const info = { name: 'w', dims: [64, 2], type, offset: 0, byteLength: bytes.length };
      const blocks = q4Blocks(info, bytes, 2, 64)!;
      assert.equal(blocks.offsets === undefined, type === GgmlType.Q4_0);
      const expected = dequantize(type, bytes, 128);
      const ours = matMulNBitsValues(blocks);
      for (let i = 0; i < 128; i++) assert.ok(Math.abs(ours[i] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])), `value ${i}: ${ours[i]} vs ${expected[i]}`);
    });
  }

  it('refuses other types and K that is no multiple of 32, and stacks rows with their offsets', () => {
    const bytes = ggufBlocks(3, [0.1, 0.2], [0, 1]);
    assert.equal(q4Blocks({ name: 'w', dims: [32, 2], type: GgmlType.Q8_0, offset: 0, byteLength: 68 }, bytes, 2, 32), undefined);
    assert.equal(q4Blocks({ name: 'w', dims: [48, 1], type: GgmlType.Q4_1, offset: 0, byteLength: 20 }, bytes, 1, 48), undefined);
    const a = q4Blocks({ name: 'a', dims: [32, 2], type: GgmlType.Q4_1, offset: 0, byteLength: 40 }, bytes, 2, 32)!;
    const b = q4Blocks({ name: 'b', dims: [32, 1], type: GgmlType.Q4_0, offset: 0, byteLength: 18 }, ggufBlocks(2, [0.3], []), 1, 32)!;
    const stacked = stackQuantizedRows([a, b]);
    assert.equal(stacked.n, 3);
    assert.deepEqual([...stacked.offsets!], [...a.offsets!, 0]);
    assert.deepEqual([...matMulNBitsValues(stacked)], [...matMulNBitsValues(a), ...matMulNBitsValues(b)]);
  });
});
