import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remember } from '../../../src/inlineEdit/instructionHistory';

describe('remembering recent instructions', () => {
  it('puts the newest first and moves a repeated one to the front', () => {
    assert.deepEqual(remember(['b', 'a'], 'c'), ['c', 'b', 'a']);
    assert.deepEqual(remember(['b', 'a', 'c'], ' a '), ['a', 'b', 'c']);
  });

  it('keeps at most the given number and ignores blank instructions', () => {
    assert.deepEqual(remember(['c', 'b', 'a'], 'd', 3), ['d', 'c', 'b']);
    assert.deepEqual(remember(['a'], '   '), ['a']);
  });
});
