/**
 * @file Fitting a prompt into the context window: the prompt keeps room for the new tokens but
 * never less than half the window, and is cut from the left (the end, nearest the cursor or the
 * latest turn, stays).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitPrompt, promptBudget } from '../../../src/runtime/contextWindow';

describe('context window', () => {
  it('leaves room for maxNewTokens, but keeps at least half the window for the prompt', () => {
    assert.equal(promptBudget(2048, 64), 1984);
    assert.equal(promptBudget(2048, 0), 2048);
    assert.equal(promptBudget(2048, 4096), 1024);
    assert.equal(promptBudget(63, 100), 32);
  });

  it('keeps a prompt that fits as it is', () => {
    const ids = [1, 2, 3, 4];
    assert.deepEqual(fitPrompt(ids, 8, 4), { ids, dropped: 0 });
  });

  it('cuts a 5999-token prompt from the left to the budget', () => {
    const ids = Array.from({ length: 5999 }, (_, i) => i);
    const { ids: kept, dropped } = fitPrompt(ids, 2048, 64);
    assert.equal(dropped, 5999 - 1984);
    assert.equal(kept.length, 1984);
    assert.equal(kept[0], dropped);
    assert.equal(kept.at(-1), 5998);
  });
});
