import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveDebounce } from '../../../src/completion/debounce';

describe('adaptive debounce', () => {
  it('starts at the minimum', () => {
    assert.equal(new AdaptiveDebounce({ minMs: 30, maxMs: 250 }).delay(), 30);
  });

  it('waits a bit longer than the gap between fast keystrokes', () => {
    const debounce = new AdaptiveDebounce({ minMs: 30, maxMs: 250 });
    for (let t = 0; t <= 1000; t += 100) debounce.keystroke(t);
    assert.equal(debounce.delay(), 120);
  });

  it('stays within the bounds and ignores long pauses', () => {
    const debounce = new AdaptiveDebounce({ minMs: 30, maxMs: 250 });
    for (let t = 0; t <= 5000; t += 1000) debounce.keystroke(t);
    assert.equal(debounce.delay(), 250);
    debounce.keystroke(60000);
    assert.equal(debounce.delay(), 250);
    const fast = new AdaptiveDebounce({ minMs: 30, maxMs: 250 });
    for (let t = 0; t <= 100; t += 5) fast.keystroke(t);
    assert.equal(fast.delay(), 30);
  });
});
