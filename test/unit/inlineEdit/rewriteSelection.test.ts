import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteSelection, type EditProgress } from '../../../src/inlineEdit/rewriteSelection';
import { ScriptedBackend } from '../chat/fakes';

const request = {
  languageId: 'python',
  selection: '    def area(self, x):\n        return x * x',
  before: ['class Square:', '    """A square."""', ''],
  after: ['', '    def side(self):', '        return 1'],
  instruction: 'rename x to count',
};

describe('rewriting a selection with the chat model', () => {
  it('streams the reply and gives the fenced code with the selection\'s indentation', async () => {
    const backend = new ScriptedBackend();
    backend.chunks = ['```python\ndef area(self, count):\n', '    return count * count\n```'];
    const seen: EditProgress[] = [];
    const outcome = await rewriteSelection(backend, request, (p) => seen.push(p), new AbortController().signal);
    assert.deepEqual(outcome, {
      kind: 'rewritten',
      code: '    def area(self, count):\n        return count * count',
      finishReason: 'eos',
      promptTokens: outcome.kind === 'rewritten' ? outcome.promptTokens : -1,
    });
    assert.deepEqual(seen.map((p) => p.lines), [1, 2]);
    assert.equal(seen.at(-1)?.reply, backend.chunks.join(''));
  });

  it('sends the surrounding lines as context and asks for the planned reply length', async () => {
    const backend = new ScriptedBackend();
    backend.chunks = ['```python\n    pass\n```'];
    await rewriteSelection(backend, request, () => undefined, new AbortController().signal);
    const [sent] = backend.requests;
    assert.equal(sent.maxNewTokens, 256);
    const user = sent.messages[1].content;
    assert.ok(user.includes('class Square:\n    """A square."""\n\n```'), user);
    assert.ok(user.includes('\n    def side(self):\n        return 1\n```'), user);
    assert.ok(user.endsWith('Rewrite this Python code: rename x to count.\n\n```python\n    def area(self, x):\n        return x * x\n```'), user);
  });

  it('keeps only the nearest context lines that fit a small window', async () => {
    const backend = new ScriptedBackend();
    backend.chunks = ['```python\n    pass\n```'];
    // Characters / 4 per text; the bare prompt is about 160 tokens, the reply takes 256.
    backend.window = 512;
    const before = Array.from({ length: 40 }, (_, i) => `line_${String(i).padStart(2, '0')} = ${'x'.repeat(20)}`);
    await rewriteSelection(backend, { ...request, before, after: [] }, () => undefined, new AbortController().signal);
    const user = backend.requests[0].messages[1].content;
    assert.ok(user.includes('line_39'), 'the nearest line is kept');
    assert.ok(!user.includes('line_00'), 'the farthest line is left out');
  });

  it('reports a selection too long for the window without asking the model', async () => {
    const backend = new ScriptedBackend();
    backend.window = 256;
    const outcome = await rewriteSelection(backend, { ...request, selection: 'x = 1\n'.repeat(200) }, () => undefined, new AbortController().signal);
    assert.equal(outcome.kind, 'too-long');
    assert.equal(backend.requests.length, 0);
  });

  it('tells an unchanged selection and a reply without code apart from a rewrite', async () => {
    const backend = new ScriptedBackend();
    backend.chunks = ['```python\ndef area(self, x):\n    return x * x\n```'];
    assert.equal((await rewriteSelection(backend, request, () => undefined, new AbortController().signal)).kind, 'unchanged');
    backend.chunks = ['```python\n```'];
    assert.deepEqual(await rewriteSelection(backend, request, () => undefined, new AbortController().signal), { kind: 'no-code', reply: '```python\n```' });
  });

  it('ends as cancelled at once when the signal aborts mid-stream', async () => {
    const backend = new ScriptedBackend();
    backend.hold = true;
    backend.chunks = ['```python\n    def area'];
    const controller = new AbortController();
    const outcome = rewriteSelection(backend, request, () => controller.abort(), controller.signal);
    assert.deepEqual(await outcome, { kind: 'cancelled' });
  });

  it('passes a model failure on', async () => {
    const backend = new ScriptedBackend();
    backend.failWith = new Error('worker crashed');
    await assert.rejects(rewriteSelection(backend, request, () => undefined, new AbortController().signal), /worker crashed/);
  });
});
