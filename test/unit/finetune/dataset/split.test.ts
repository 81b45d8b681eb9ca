import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyedRandom, validationPaths } from '../../../../src/finetune/dataset/split';

const paths = Array.from({ length: 50 }, (_, i) => `src/file${i}.ts`);

describe('split and seeded randomness', () => {
  it('puts the requested share of files in validation, the same for the same seed', () => {
    const first = validationPaths(paths, 0.1, 3);
    assert.equal(first.size, 5);
    assert.deepEqual(validationPaths([...paths].reverse(), 0.1, 3), first);
    assert.notDeepEqual(validationPaths(paths, 0.1, 4), first);
  });

  it('keeps one validation file for tiny sets and never takes them all', () => {
    assert.equal(validationPaths(['a', 'b'], 0.1, 0).size, 1);
    assert.equal(validationPaths(['a'], 0.5, 0).size, 0);
    assert.equal(validationPaths(['a', 'b', 'c'], 0.9, 0).size, 2);
    assert.throws(() => validationPaths(paths, 1, 0), /validation fraction must be in \[0, 1\), got 1/);
  });

  it('draws the same numbers for the same seed and key', () => {
    const a = keyedRandom(1, 'x');
    const b = keyedRandom(1, 'x');
    const c = keyedRandom(1, 'y');
    const draws = [a(), a(), a()];
    assert.deepEqual([b(), b(), b()], draws);
    assert.notDeepEqual([c(), c(), c()], draws);
    for (const x of draws) assert.ok(x >= 0 && x < 1);
  });
});
