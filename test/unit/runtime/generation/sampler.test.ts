import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyRepetitionPenalty, argmax, Sampler } from '../../../../src/runtime/generation/sampler';

const logits = () => Float32Array.from([1, 3, 2, -1, 0.5]);

describe('sampler', () => {
  it('is greedy by default and takes the first maximum on ties', () => {
    assert.equal(new Sampler().next(logits(), []), 1);
    assert.equal(argmax(Float32Array.from([2, 5, 5])), 1);
  });

  it('applies the repetition penalty like transformers (divide positives, multiply negatives)', () => {
    const values = logits();
    applyRepetitionPenalty(values, [1, 3, 1], 2);
    assert.deepEqual([...values], [1, 1.5, 2, -2, 0.5]);
    assert.equal(new Sampler({ repetitionPenalty: 2 }).next(logits(), [1]), 2);
  });

  it('with top-k 1 always picks the best token whatever the temperature', () => {
    const sampler = new Sampler({ temperature: 5, topK: 1, seed: 3 });
    for (let i = 0; i < 20; i++) assert.equal(sampler.next(logits(), []), 1);
  });

  it('with a small top-p samples only from the nucleus', () => {
    const sampler = new Sampler({ temperature: 1, topP: 0.6, seed: 1 });
    const seen = new Set(Array.from({ length: 200 }, () => sampler.next(logits(), [])));
    assert.deepEqual([...seen].sort(), [1]);
    const wider = new Sampler({ temperature: 1, topP: 0.9, seed: 1 });
    const seenWide = new Set(Array.from({ length: 400 }, () => wider.next(logits(), [])));
    assert.deepEqual([...seenWide].sort(), [0, 1, 2]);
  });

  it('follows the softmax distribution when sampling', () => {
    const sampler = new Sampler({ temperature: 1, seed: 42 });
    const counts = [0, 0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampler.next(logits(), [])]! += 1;
    const z = [...logits()].reduce((a, v) => a + Math.exp(v), 0);
    [...logits()].forEach((v, id) => assert.ok(Math.abs(counts[id]! / n - Math.exp(v) / z) < 0.015, `token ${id}`));
  });

  it('repeats the same tokens for the same seed', () => {
    const draw = (seed: number) => {
      const sampler = new Sampler({ temperature: 0.8, topK: 4, seed });
      return Array.from({ length: 30 }, () => sampler.next(logits(), []));
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
  });

  it('rejects out-of-range options naming the value', () => {
    assert.throws(() => new Sampler({ temperature: -1 }), /temperature must be >= 0, got -1/);
    assert.throws(() => new Sampler({ topP: 0 }), /topP must be in \(0, 1\], got 0/);
    assert.throws(() => new Sampler({ topK: 1.5 }), /topK must be an integer/);
  });
});
