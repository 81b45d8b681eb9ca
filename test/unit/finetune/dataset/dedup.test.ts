import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateIndex, sha256 } from '../../../../src/finetune/dataset/dedup';

const base = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i}, "item-${i}");`).join('\n');

describe('deduplication', () => {
  it('finds exact duplicates by content hash', () => {
    const index = new DuplicateIndex();
    index.add('a.ts', sha256(base), index.signature(base));
    assert.equal(index.exactDuplicateOf(sha256(base)), 'a.ts');
    assert.equal(index.exactDuplicateOf(sha256(`${base}\n`)), undefined);
  });

  it('finds a near-duplicate with one line changed, and not an unrelated file', () => {
    const index = new DuplicateIndex();
    index.add('a.ts', sha256(base), index.signature(base));
    const edited = base.replace('compute(7, "item-7")', 'compute(7, "renamed")');
    const near = index.nearDuplicateOf(index.signature(edited));
    assert.equal(near?.path, 'a.ts');
    assert.ok((near?.similarity ?? 0) >= 0.8);
    const other = Array.from({ length: 40 }, (_, i) => `def handler_${i}(request):\n    return respond(request, ${i * 3})`).join('\n');
    assert.equal(index.nearDuplicateOf(index.signature(other)), undefined);
  });

  it('gives the same signature for the same text and rejects bands that do not divide the hashes', () => {
    assert.deepEqual(new DuplicateIndex().signature(base), new DuplicateIndex().signature(base));
    assert.throws(() => new DuplicateIndex({ hashes: 128, bands: 15, threshold: 0.8 }), /bands must divide hashes; got 15 bands for 128/);
  });
});
