/**
 * @file The all-ones attention mask grows with the sequences run, not with the model's claimed
 * context: a config with max_position_embeddings 1e9 used to allocate 8 GB for it up front.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnesMask } from '../../../src/runtime/attentionMask';

describe('attention mask', () => {
  it('gives n ones for any n, from a buffer no larger than twice the longest request', () => {
    const mask = new OnesMask();
    for (const n of [1, 5, 64, 65, 300, 7]) {
      const view = mask.prefix(n);
      assert.equal(view.length, n);
      assert.ok(view.every((v) => v === 1n));
      assert.ok(view.buffer.byteLength <= 8 * Math.max(64, 2 * 300));
    }
  });
});
