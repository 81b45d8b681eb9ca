import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredTurn } from '../../../src/chat/conversation';
import { buildPrompt, MESSAGE_OVERHEAD_TOKENS } from '../../../src/chat/promptBuilder';
import type { ContextChip } from '../../../src/shared/protocol';

/** One token per character keeps the arithmetic readable. */
const countTokens = (texts: readonly string[]) => Promise.resolve(texts.map((text) => text.length));
const fileChip: ContextChip = { id: 'file', kind: 'file', label: 'a.ts', detail: 'current file' };
const selChip: ContextChip = { id: 'selection', kind: 'selection', label: 'a.ts', detail: 'line 2' };

const user = (content: string, context: ContextChip[] = [], blocks: string[] = []): StoredTurn => ({ role: 'user', content, context, blocks });
const assistant = (content: string): StoredTurn => ({ role: 'assistant', content, context: [], blocks: [] });

const history = [user('q1'.padEnd(50, '.')), assistant('a1'.padEnd(50, '.')), user('q2'.padEnd(50, '.')), assistant('a2'.padEnd(50, '.'))];
const latest = user('why?', [fileChip, selChip], ['F'.repeat(100), 'S'.repeat(20)]);
const perMessage = (chars: number) => chars + MESSAGE_OVERHEAD_TOKENS;
/** system (10) + 4 history messages (50 each) + question (4) + blocks (100 and 20, +1 each). */
const full = perMessage(10) + 4 * perMessage(50) + perMessage(4) + 101 + 21;

async function build(windowTokens: number, turns: StoredTurn[] = [...history, latest]) {
  return buildPrompt({ system: 'S'.repeat(10), turns, windowTokens: windowTokens + 7, replyTokens: 7, countTokens });
}

describe('building the chat prompt', () => {
  it('sends the system prompt, the history and the question with its context when all fit', async () => {
    const prompt = await build(full);
    assert.equal(prompt.fits, true);
    assert.deepEqual(prompt.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(prompt.messages[5].content, `${'F'.repeat(100)}\n\n${'S'.repeat(20)}\n\nwhy?`);
    assert.deepEqual(prompt.notice, { droppedTurns: 0, droppedContext: [], promptTokens: full, windowTokens: full + 7 });
  });

  it('keeps the reply reserve out of the budget', async () => {
    const prompt = await build(full - 1);
    assert.equal(prompt.notice.droppedTurns, 1);
  });

  it('drops the oldest exchange (question and reply together) first', async () => {
    const prompt = await build(full - 1);
    assert.deepEqual(prompt.messages.map((m) => m.content.slice(0, 2)), ['SS', 'q2', 'a2', 'FF']);
    assert.equal(prompt.notice.promptTokens, full - 2 * perMessage(50));
  });

  it('drops the file before the selection once the history is gone, and names what was dropped', async () => {
    const prompt = await build(perMessage(10) + perMessage(4) + 21);
    assert.deepEqual(prompt.messages.map((m) => m.role), ['system', 'user']);
    assert.equal(prompt.messages[1].content, `${'S'.repeat(20)}\n\nwhy?`);
    assert.deepEqual(prompt.notice.droppedContext, ['file a.ts']);
    assert.equal(prompt.notice.droppedTurns, 2);
  });

  it('keeps the system prompt and the question even when they alone are too long, and says so', async () => {
    const prompt = await build(5);
    assert.equal(prompt.fits, false);
    assert.deepEqual(prompt.messages, [{ role: 'system', content: 'S'.repeat(10) }, { role: 'user', content: 'why?' }]);
    assert.deepEqual(prompt.notice.droppedContext, ['file a.ts', 'selection in a.ts (line 2)']);
  });

  it('replaces a context block repeated from an earlier question with a pointer', async () => {
    const turns = [user('first', [fileChip], ['F'.repeat(100)]), assistant('ok'), user('second', [fileChip], ['F'.repeat(100)])];
    const prompt = await build(10_000, turns);
    assert.equal(prompt.messages[1].content, '(`a.ts` as attached to the latest message)\n\nfirst');
    assert.equal(prompt.messages[3].content, `${'F'.repeat(100)}\n\nsecond`);
  });

  it('leaves out empty replies (a reply stopped before its first token)', async () => {
    const prompt = await build(10_000, [user('one'), assistant(''), user('two')]);
    assert.deepEqual(prompt.messages.map((m) => m.content), ['S'.repeat(10), 'one', 'two']);
  });

  it('refuses a conversation that does not end with a question', async () => {
    await assert.rejects(build(10_000, [user('one'), assistant('x')]), /last turn must be a question, got assistant/);
  });
});
