import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantize } from '../../../../src/graph/gguf/dequantize';
import { encodeF16, quantizeQ4_0, quantizeQ8_0 } from '../../../../src/graph/gguf/ggmlEncode';
import { GgmlType } from '../../../../src/graph/gguf/ggmlTypes';
import { Rng } from '../../../../src/graph/rng';

describe('ggml encoding', () => {
  it('quantizes a Q8_0 block as ggml does: d = max|x|/127 in f16, codes rounded half away from zero', () => {
    // max|x| = 127/64, so d = 1/64 exactly (f16 0x2400) and each code is x·64.
    const values = new Float32Array(32);
    values.set([-127 / 64, 0.5, 1 / 128, -1 / 128, 3 / 128, 5 / 128, -5 / 128]);
    const block = quantizeQ8_0(values);
    assert.equal(block.length, 34);
    assert.deepEqual([...block.subarray(0, 2)], [0x00, 0x24]);
    const codes = [...new Int8Array(block.buffer, 2, 32)];
    // 0.5 → 1 and 2.5 → 3 (not to even), -0.5 → -1.
    assert.deepEqual(codes.slice(0, 8), [-127, 32, 1, -1, 2, 3, -3, 0]);
    assert.ok(codes.slice(7).every((q) => q === 0));
  });

  it('quantizes a Q4_0 block as ggml does: d = (signed largest)/-8 in f16, codes min(15, trunc(x/d + 8.5)), j and j+16 share a byte', () => {
    // The largest magnitude is -2, so d = 0.25 (f16 0x3400) and x/d = 4x.
    const values = new Float32Array(32);
    values.set([-2, 1, 0.125]);
    values.set([1.9, -0.3], 16);
    const block = quantizeQ4_0(values);
    assert.equal(block.length, 18);
    assert.deepEqual([...block.subarray(0, 2)], [0x00, 0x34]);
    // -2 → 0 and 1.9 → 16, clamped to 15: 0xF0; 1 → 12, -0.3 → 7: 0x7C; 0.125 → 9, 0 → 8: 0x89.
    assert.deepEqual([...block.subarray(2, 5)], [0xf0, 0x7c, 0x89]);
    assert.ok([...block.subarray(5)].every((byte) => byte === 0x88), 'zeros are code 8');
    assert.throws(() => quantizeQ4_0(new Float32Array(31)), /whole blocks of 32/);
  });

  it('dequantizes Q4_0 within one step of each block', () => {
    const rng = new Rng(5);
    const values = Float32Array.from({ length: 32 * 64 }, () => (rng.next() * 2 - 1) * 3);
    const back = dequantize(GgmlType.Q4_0, quantizeQ4_0(values), values.length);
    for (let b = 0; b < 64; b++) {
      const block = values.subarray(b * 32, b * 32 + 32);
      const step = Math.max(...block.map(Math.abs)) / 8;
      // Half a step of rounding, the clamp at the top code (one step), and the f16 rounding of d.
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(back[b * 32 + i] - block[i]) <= step * (1 + 8 * 2 ** -11) + 1e-7, `block ${b} value ${i}`);
    }
  });

  it('writes a zero block as d = 0 and zero codes', () => {
    assert.deepEqual([...quantizeQ8_0(new Float32Array(32))], new Array(34).fill(0));
  });

  it('refuses Q8_0 values that do not fill whole blocks', () => {
    assert.throws(() => quantizeQ8_0(new Float32Array(33)), /whole blocks of 32/);
  });

  it('dequantizes Q8_0 within half a step of each block', () => {
    const rng = new Rng(3);
    const values = Float32Array.from({ length: 32 * 64 }, () => (rng.next() * 2 - 1) * 3);
    const back = dequantize(GgmlType.Q8_0, quantizeQ8_0(values), values.length);
    for (let b = 0; b < 64; b++) {
      const block = values.subarray(b * 32, b * 32 + 32);
      const step = Math.max(...block.map(Math.abs)) / 127;
      // Half a step of rounding plus the f16 rounding of d applied to a code of up to 127.
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(back[b * 32 + i] - block[i]) <= step * (0.5 + 127 * 2 ** -11) + 1e-7, `block ${b} value ${i}`);
    }
  });

  it('rounds F16 to nearest, ties to even, and overflows to infinity', () => {
    const bits = new Uint16Array(encodeF16(Float32Array.from([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -2, 65520, 2 ** -24])).buffer);
    assert.deepEqual([...bits], [0x3c00, 0x3c00, 0x3c02, 0xc000, 0x7c00, 0x0001]);
  });
});
