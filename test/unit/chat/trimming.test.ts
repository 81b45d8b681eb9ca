import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTrim } from '../../../src/chat/trimming';

describe('trimming a prompt to the window by tokens', () => {
  const sizes = { system: 20, exchanges: [100, 80, 60], context: [300, 50], question: 30 };

  it('keeps everything when it fits', () => {
    assert.deepEqual(planTrim(sizes, 1000), { droppedExchanges: 0, droppedContext: [], totalTokens: 640, fits: true });
  });

  it('drops the oldest exchanges first, only as many as needed', () => {
    assert.deepEqual(planTrim(sizes, 540), { droppedExchanges: 1, droppedContext: [], totalTokens: 540, fits: true });
    assert.deepEqual(planTrim(sizes, 539), { droppedExchanges: 2, droppedContext: [], totalTokens: 460, fits: true });
  });

  it('drops context only after every earlier exchange is gone, in the given order', () => {
    assert.deepEqual(planTrim(sizes, 399), { droppedExchanges: 3, droppedContext: [0], totalTokens: 100, fits: true });
    assert.deepEqual(planTrim(sizes, 99), { droppedExchanges: 3, droppedContext: [0, 1], totalTokens: 50, fits: true });
  });

  it('never drops the system prompt or the question, and says when even they do not fit', () => {
    assert.deepEqual(planTrim(sizes, 49), { droppedExchanges: 3, droppedContext: [0, 1], totalTokens: 50, fits: false });
  });

  it('handles a first question with no history or context', () => {
    assert.deepEqual(planTrim({ system: 10, exchanges: [], context: [], question: 5 }, 15), { droppedExchanges: 0, droppedContext: [], totalTokens: 15, fits: true });
  });
});
