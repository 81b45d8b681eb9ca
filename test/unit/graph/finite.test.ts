/**
 * @file The non-finite scan: it finds NaN and both infinities at any index, passes every finite
 * value (float32's extremes and subnormals included), and its message names the tensor.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstNonFinite, nonFiniteProblem } from '../../../src/graph/finite';

describe('non-finite values', () => {
  it('finds NaN, Infinity and -Infinity at their first index', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const values = new Float32Array(10).fill(0.5);
      values[7] = bad;
      values[9] = bad;
      assert.equal(firstNonFinite(values), 7, String(bad));
    }
  });

  it('passes finite extremes: float32 max, min, subnormals, zeros', () => {
    const values = Float32Array.of(3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45, 0, -0);
    assert.equal(firstNonFinite(values), -1);
    assert.equal(nonFiniteProblem('t', values), undefined);
  });

  it('names the tensor, the value and the index', () => {
    assert.equal(
      nonFiniteProblem('model.norm.weight', Float32Array.of(1, NaN)),
      'tensor "model.norm.weight" holds a non-finite value (NaN at index 1 of 2); the file is corrupt or was saved from a diverged run',
    );
  });
});
