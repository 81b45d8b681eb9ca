/**
 * @file float16 and bfloat16 conversions: exact values, rounding to nearest even, subnormals,
 * overflow to infinity and NaN.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat } from '../../../src/graph/half';

describe('half precision conversions', () => {
  it('converts exact half values both ways', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [0.333251953125, 0x3555],
    ];
    for (const [value, bits] of cases) {
      assert.equal(floatToHalfBits(value), bits, `floatToHalfBits(${value})`);
      assert.equal(halfBitsToFloat(bits), value, `halfBitsToFloat(${bits.toString(16)})`);
    }
  });

  it('rounds half to nearest even and overflows to infinity', () => {
    assert.equal(floatToHalfBits(1 + 2 ** -11), 0x3c00, 'tie rounds down to even');
    assert.equal(floatToHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'tie rounds up to even');
    assert.equal(floatToHalfBits(1 / 3), 0x3555);
    assert.equal(floatToHalfBits(65520), 0x7c00);
    assert.equal(floatToHalfBits(-1e6), 0xfc00);
    assert.equal(floatToHalfBits(2 ** -25), 0x0000, 'subnormal tie rounds to even zero');
    assert.equal(floatToHalfBits(3 * 2 ** -25), 0x0002);
    assert.ok(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN))));
  });

  it('converts bfloat16 with round to nearest even', () => {
    assert.equal(floatToBf16Bits(1), 0x3f80);
    assert.equal(bf16BitsToFloat(0x3f80), 1);
    assert.equal(floatToBf16Bits(1 + 2 ** -8), 0x3f80, 'tie rounds down to even');
    assert.equal(floatToBf16Bits(1 + 3 * 2 ** -8), 0x3f82, 'tie rounds up to even');
    assert.equal(bf16BitsToFloat(floatToBf16Bits(-3.140625)), -3.140625);
    assert.ok(Number.isNaN(bf16BitsToFloat(floatToBf16Bits(NaN))));
  });
});
