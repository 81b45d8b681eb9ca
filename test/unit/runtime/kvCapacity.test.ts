/**
 * @file Sizing of preallocated KV caches: tight, whole blocks, bounded by the context, and
 * reallocated when too small or carrying more than a block of slack.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KV_BLOCK, kvCapacityFor, kvNeedsRealloc } from '../../../src/runtime/kvCapacity';

describe('kvCapacityFor', () => {
  it('rounds up to a whole block', () => {
    assert.equal(kvCapacityFor(10, 8192), KV_BLOCK);
    assert.equal(kvCapacityFor(1564, 8192), 1600);
  });
  it('never exceeds the context and rejects more than it', () => {
    assert.equal(kvCapacityFor(2040, 2048), 2048);
    assert.throws(() => kvCapacityFor(2049, 2048), /2049 positions exceed the context of 2048/);
  });
});

describe('kvNeedsRealloc', () => {
  it('reallocates a cache that is too small', () => {
    assert.equal(kvNeedsRealloc(512, 513, 8192), true);
  });
  it('keeps a cache within a block of the tight size', () => {
    assert.equal(kvNeedsRealloc(640, 520, 8192), false);
  });
  it('shrinks a cache with more slack than that, since attention time grows with capacity', () => {
    assert.equal(kvNeedsRealloc(1792, 526, 8192), true);
  });
});
