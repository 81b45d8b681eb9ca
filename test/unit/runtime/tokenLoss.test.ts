/**
 * @file The next-token loss: by hand on a tiny distribution, stable for large logits, and
 * refusing a token id outside the vocabulary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanNegativeLogLikelihood, tokenNegativeLogLikelihood } from '../../../src/runtime/tokenLoss';

describe('tokenNegativeLogLikelihood', () => {
  it('is −log softmax of the target, row by row', () => {
    // Row 1 of [2, 3]: p(2) = e^3 / (e^1 + e^2 + e^3).
    const logits = Float32Array.from([0, 0, 0, 1, 2, 3]);
    assert.ok(Math.abs(tokenNegativeLogLikelihood(logits, 0, 3, 1) - Math.log(3)) < 1e-12);
    const expected = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
    assert.ok(Math.abs(tokenNegativeLogLikelihood(logits, 1, 3, 2) - expected) < 1e-6);
  });

  it('stays finite for logits whose exp overflows', () => {
    const logits = Float32Array.from([1000, 1000]);
    assert.ok(Math.abs(tokenNegativeLogLikelihood(logits, 0, 2, 0) - Math.log(2)) < 1e-12);
  });

  it('names a token id outside the vocabulary', () => {
    assert.throws(() => tokenNegativeLogLikelihood(new Float32Array(4), 0, 4, 4), /token id 4 is outside the vocabulary of 4/);
  });
});

describe('meanNegativeLogLikelihood', () => {
  it('averages the loss of ids[1..] under the rows of ids[..-1]', () => {
    // Two positions over a vocabulary of 2: p(next=1) = e^2/(e^0+e^2) at position 0, the last row unused.
    const logits = Float32Array.from([0, 2, 0, 0]);
    const expected = -Math.log(Math.exp(2) / (1 + Math.exp(2)));
    assert.ok(Math.abs(meanNegativeLogLikelihood(logits, [0, 1], 2) - expected) < 1e-6);
  });
});
