import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CONTEXT_TOKENS, MIN_REPLY_TOKENS, planEditBudget, replyTokensFor } from '../../../src/inlineEdit/editBudget';

describe('fitting an edit into the window', () => {
  it('gives the reply the selection\'s length and a half plus slack, at least the minimum, at most half the window', () => {
    assert.equal(replyTokensFor(10, 8192), MIN_REPLY_TOKENS);
    assert.equal(replyTokensFor(400, 8192), 600 + 192);
    assert.equal(replyTokensFor(5000, 8192), 4096);
  });

  it('keeps the nearest lines, alternating above and below, until the room is spent', () => {
    // 1000 window - 256 reply - 700 base = 44 tokens of room.
    const plan = planEditBudget({ windowTokens: 1000, baseTokens: 700, selectionTokens: 10, before: [10, 10, 10], after: [10, 10, 10] });
    assert.deepEqual(plan, { replyTokens: 256, keepBefore: 2, keepAfter: 2, promptTokens: 740, fits: true });
  });

  it('stops a side at its first line that does not fit, and lets the other side go on', () => {
    const plan = planEditBudget({ windowTokens: 1000, baseTokens: 700, selectionTokens: 10, before: [5, 40, 1], after: [5, 5, 5, 5] });
    assert.deepEqual(plan, { replyTokens: 256, keepBefore: 1, keepAfter: 4, promptTokens: 725, fits: true });
  });

  it('caps the context so a long file does not drown the selection', () => {
    const lines = Array.from({ length: 200 }, () => 10);
    const plan = planEditBudget({ windowTokens: 8192, baseTokens: 300, selectionTokens: 50, before: lines, after: lines });
    assert.equal(MAX_CONTEXT_TOKENS, 768);
    assert.deepEqual([plan.keepBefore, plan.keepAfter, plan.promptTokens], [38, 38, 300 + 760]);
  });

  it('says when the selection and instruction leave no room for the reply', () => {
    const plan = planEditBudget({ windowTokens: 2048, baseTokens: 1500, selectionTokens: 1200, before: [1], after: [1] });
    assert.deepEqual(plan, { replyTokens: 1024, keepBefore: 0, keepAfter: 0, promptTokens: 1500, fits: false });
  });
});
