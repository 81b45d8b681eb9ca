/**
 * @file Per-slot KV caches (runtime/kvSlots.ts): prefix reuse lengths, the byte bound, and
 * which caches are handed to `onDrop` (evicted, replaced, cleared) and which are not (taken by a
 * request, stored again unchanged): device-resident caches are freed there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvSlots, reusableLength } from '../../../src/runtime/kvSlots';

describe('KV slots', () => {
  it('reuses the common prefix but always leaves one prompt token to run', () => {
    assert.equal(reusableLength([1, 2, 3, 4], [1, 2, 9]), 2);
    assert.equal(reusableLength([1, 2, 3], [1, 2, 3]), 2);
    assert.equal(reusableLength([], [5]), 0);
  });

  it('evicts the least recently used other slot over the byte bound, and drops it', () => {
    const dropped: string[] = [];
    const slots = new KvSlots<string>(100, (kv) => dropped.push(kv));
    slots.set('chat', [1], 'chat-cache', 60);
    slots.set('completion', [2], 'completion-cache', 30);
    slots.get('chat');
    slots.set('other', [3], 'other-cache', 30);
    assert.deepEqual(dropped, ['completion-cache']);
    assert.equal(slots.get('completion'), undefined);
    assert.equal(slots.totalBytes(), 90);
  });

  it('drops a replaced cache but not the same cache stored again, nor a taken one', () => {
    const dropped: string[] = [];
    const slots = new KvSlots<string>(1000, (kv) => dropped.push(kv));
    slots.set('a', [1], 'first', 10);
    slots.set('a', [1, 2], 'first', 10);
    assert.deepEqual(dropped, []);
    slots.set('a', [1, 2, 3], 'second', 10);
    assert.deepEqual(dropped, ['first']);
    const taken = slots.take('a');
    assert.equal(taken?.kv, 'second');
    assert.equal(slots.get('a'), undefined);
    assert.deepEqual(dropped, ['first'], 'the request that took it owns it now');
    slots.set('b', [1], 'third', 10);
    slots.set('c', [1], 'fourth', 10);
    slots.clear('b');
    assert.deepEqual(dropped, ['first', 'third']);
    slots.clear();
    assert.deepEqual(dropped, ['first', 'third', 'fourth']);
  });

  it('keeps a prompt\'s logits with its cache, counted in the byte bound, and hands them out with it', () => {
    const slots = new KvSlots<string>(100);
    const logits = new Float32Array(10);
    slots.set('a', [1, 2, 3, 4], 'cache', 50, { length: 3, logits });
    assert.equal(slots.totalBytes(), 90);
    assert.deepEqual(slots.take('a')?.promptLogits, { length: 3, logits });
    slots.set('a', [1, 2], 'cache', 50);
    assert.equal(slots.get('a')?.promptLogits, undefined, 'a cache stored without logits has none');
  });
});
