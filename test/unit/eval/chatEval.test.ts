/**
 * @file The chat benchmark's checks on a scripted model: answers that end by themselves with
 * balanced fences pass, a reply cut at the length limit or with an open fence fails the matching
 * check, the prompt is the panel's (system prompt, file and selection blocks, the editor
 * action's request), and the ChatML check rejects a prompt without the template.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_PROMPT } from '../../../src/chat/promptBuilder';
import { CHAT_CASES, evalChat, fencesBalanced, isChatMl, type ChatModel } from '../../../src/eval/chatEval';
import type { ChatMessage } from '../../../src/runtime/tokenizer';

const chatMl = (messages: readonly ChatMessage[]) => messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + '<|im_start|>assistant\n';

/** A model that answers from a script, by call, and records what it was sent. */
function scripted(answers: readonly { text: string; finishReason: 'eos' | 'max-tokens' }[], render = chatMl): ChatModel & { sent: ChatMessage[][]; budgets: number[] } {
  const sent: ChatMessage[][] = [];
  const budgets: number[] = [];
  return {
    sent,
    budgets,
    render,
    async reply(messages, maxNewTokens) {
      sent.push([...messages]);
      budgets.push(maxNewTokens);
      return answers[sent.length - 1]!;
    },
    countTokens: async (texts) => texts.map((t) => Math.ceil(t.length / 4)),
    contextLength: async () => 2048,
  };
}

describe('eval chat', () => {
  it('checks fences and the ChatML rendering', () => {
    assert.equal(fencesBalanced('Use this:\n```python\nprint(1)\n```\nDone.'), true);
    assert.equal(fencesBalanced('```js\nlet x = 1;\n'), false);
    assert.equal(fencesBalanced('no code'), true);
    const messages: ChatMessage[] = [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }];
    assert.equal(isChatMl(chatMl(messages), messages), true);
    assert.equal(isChatMl('s\nq\n', messages), false);
  });

  it('asks the panel\'s prompt and scores each answer', async () => {
    const good = { text: 'It yields lists.\n```python\nlist(chunks([1, 2, 3], 2))\n```', finishReason: 'eos' as const };
    const model = scripted([good, { text: 'def test_', finishReason: 'max-tokens' }, { text: '```js\nfor (', finishReason: 'eos' }, { text: '   ', finishReason: 'eos' }, good]);
    const report = await evalChat(model);
    assert.equal(report.cases.length, CHAT_CASES.length);
    assert.deepEqual(report.cases.map((c) => [c.name, c.checks.endedByItself, c.checks.nonEmpty, c.checks.fencesBalanced, c.checks.templateApplied]), [
      ['explain', true, true, true, true],
      ['write tests', false, true, true, true],
      ['fix', true, true, false, true],
      ['fix this error', true, false, true, true],
      ['question', true, true, true, true],
    ]);
    assert.deepEqual(report.passed, { templateApplied: 5, endedByItself: 4, nonEmpty: 4, fencesBalanced: 4 });
    // The panel's reply budget for a 2048-token window, and its prompt: system, then file and selection blocks, then the request.
    assert.deepEqual(model.budgets, [512, 512, 512, 512, 512]);
    const [system, user] = model.sent[0]!;
    assert.deepEqual(system, { role: 'system', content: SYSTEM_PROMPT });
    assert.match(user!.content, /^The file `utils\/chunks\.py`:\n```python\nimport itertools[\s\S]*Selected code from `utils\/chunks\.py` \(lines 4–10\):\n```python\ndef chunks[\s\S]*\n\nExplain what this code does\.$/);
    assert.equal(model.sent[4]![1]!.content, 'How do I read a text file line by line in Python?');
  });

  it('fails the template check when the prompt is not rendered as ChatML', async () => {
    const model = scripted([{ text: 'ok', finishReason: 'eos' }], (messages) => messages.map((m) => m.content).join('\n'));
    const report = await evalChat(model, CHAT_CASES.slice(0, 1));
    assert.equal(report.cases[0]!.checks.templateApplied, false);
  });
});
