import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompletionCache } from '../../../src/completion/cache';

describe('completion cache', () => {
  it('answers an exact prefix', () => {
    const cache = new CompletionCache();
    cache.put('doc', 'const x = ', 'compute();');
    assert.equal(cache.get('doc', 'const x = ')?.text, 'compute();');
  });

  it('hits while the user types through the suggestion', () => {
    const cache = new CompletionCache();
    cache.put('doc', 'const x = ', 'compute();');
    assert.equal(cache.get('doc', 'const x = com')?.text, 'pute();');
    assert.equal(cache.get('doc', 'const x = compute(')?.text, ');');
  });

  it('misses when the typed text leaves the suggestion, or when it is fully typed', () => {
    const cache = new CompletionCache();
    cache.put('doc', 'const x = ', 'compute();');
    assert.equal(cache.get('doc', 'const x = cal'), undefined);
    assert.equal(cache.get('doc', 'const x = compute();'), undefined);
    assert.equal(cache.get('doc', 'const x ='), undefined);
  });

  it('remembers whether a speculative request made the entry', () => {
    const cache = new CompletionCache();
    cache.put('doc', 'a', 'bc', true);
    assert.deepEqual(cache.get('doc', 'ab'), { text: 'c', speculative: true });
  });

  it('keeps contexts apart', () => {
    const cache = new CompletionCache();
    cache.put('a.ts', 'x', 'yz');
    assert.equal(cache.get('b.ts', 'x'), undefined);
  });

  it('evicts the least recently used entry past its capacity', () => {
    const cache = new CompletionCache(2);
    cache.put('d', 'a', '1');
    cache.put('d', 'b', '2');
    assert.equal(cache.get('d', 'a')?.text, '1');
    cache.put('d', 'c', '3');
    assert.equal(cache.get('d', 'b'), undefined);
    assert.equal(cache.get('d', 'a')?.text, '1');
    assert.equal(cache.get('d', 'c')?.text, '3');
  });
});

describe('completion cache with an explicit request\'s choices', () => {
  it('answers the choices at their prefix, and only those that a typed prefix still matches', () => {
    const cache = new CompletionCache();
    cache.put('doc', 'x = ', 'single()');
    assert.equal(cache.getChoices('doc', 'x = '), undefined, 'a single suggestion is not a set of choices');
    cache.putChoices('doc', 'x = ', ['foo(1)', 'bar(2)', 'foo(3)']);
    assert.deepEqual(cache.getChoices('doc', 'x = '), ['foo(1)', 'bar(2)', 'foo(3)']);
    assert.deepEqual(cache.getChoices('doc', 'x = foo('), ['1)', '3)']);
    assert.equal(cache.getChoices('doc', 'x = baz'), undefined);
  });

  it('types through any choice: the first that matches gives the rest', () => {
    const cache = new CompletionCache();
    cache.putChoices('doc', 'x = ', ['foo(1)', 'bar(2)']);
    assert.deepEqual(cache.get('doc', 'x = '), { text: 'foo(1)', speculative: false });
    assert.deepEqual(cache.get('doc', 'x = ba'), { text: 'r(2)', speculative: false });
    assert.equal(cache.get('doc', 'x = bar(2)'), undefined);
  });
});
