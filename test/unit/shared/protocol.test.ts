import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MESSAGE_CHARS, parseFromWebview, parseToWebview, type ChatState } from '../../../src/shared/protocol';

const state: ChatState = {
  conversationId: 'c-1',
  turns: [
    { role: 'user', content: 'hi', context: [{ id: 'file', kind: 'file', label: 'a.ts', detail: 'current file' }] },
    { role: 'assistant', content: 'hello', context: [], finishReason: 'cancelled' },
  ],
  streaming: false,
  chips: [{ id: 'selection', kind: 'selection', label: 'a.ts', detail: 'lines 1–2' }],
  history: [{ id: 'c-1', title: 'hi', updatedAt: 5 }],
  models: ['SmolLM2-135M-Instruct'],
  currentModel: 'SmolLM2-135M-Instruct',
  trim: { droppedTurns: 1, droppedContext: ['file a.ts'], promptTokens: 10, windowTokens: 20 },
  error: 'oops',
};

describe('webview protocol validation', () => {
  it('accepts every well-formed message from the webview and copies only known fields', () => {
    const valid = [
      { type: 'ready' },
      { type: 'send', text: 'explain this' },
      { type: 'stop' },
      { type: 'regenerate' },
      { type: 'newChat' },
      { type: 'openConversation', id: 'c-1' },
      { type: 'deleteConversation', id: '6f1c2a9e-0b7d-4c1e-9f3a-2d4b5c6d7e8f' },
      { type: 'removeContext', id: 'selection' },
      { type: 'removeContext', id: 'mention-problems-3' },
      { type: 'addMention', kind: 'file' },
      { type: 'addMention', kind: 'diff' },
      { type: 'codeAction', action: 'insert', code: 'x = 1' },
      { type: 'openLink', href: 'https://example.com' },
      { type: 'selectModel', model: 'SmolLM2-135M-Instruct' },
    ];
    for (const message of valid) assert.deepEqual(parseFromWebview({ ...message, extra: '<b>' }), message);
  });

  for (const [name, value] of [
    ['null', null],
    ['a string', 'ready'],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'rm -rf' }],
    ['a missing type', {}],
    ['a send without text', { type: 'send' }],
    ['a send with blank text', { type: 'send', text: '  \n' }],
    ['a send with non-string text', { type: 'send', text: { toString: 'x' } }],
    ['an oversized send', { type: 'send', text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }],
    ['a code action that is not offered', { type: 'codeAction', action: 'run', code: 'rm -rf /' }],
    ['a code action without code', { type: 'codeAction', action: 'copy' }],
    ['an id with path characters', { type: 'deleteConversation', id: '../secrets' }],
    ['an id that is a number', { type: 'openConversation', id: 7 }],
    ['a link that is not a string', { type: 'openLink', href: ['javascript:alert(1)'] }],
    ['a model that is not a string', { type: 'selectModel', model: null }],
    ['a mention of an unknown kind', { type: 'addMention', kind: 'terminal' }],
    ['a mention without a kind', { type: 'addMention' }],
    ['a mention whose kind is not a string', { type: 'addMention', kind: ['file'] }],
    ['a mention with its @', { type: 'addMention', kind: '@file' }],
  ] as const) {
    it(`rejects ${name} from the webview`, () => {
      assert.equal(parseFromWebview(value), undefined);
    });
  }

  it('accepts the host messages the panel understands', () => {
    assert.deepEqual(parseToWebview({ type: 'state', state }), { type: 'state', state });
    assert.deepEqual(parseToWebview({ type: 'delta', text: 'tok' }), { type: 'delta', text: 'tok' });
    assert.deepEqual(parseToWebview({ type: 'focusInput' }), { type: 'focusInput' });
    assert.deepEqual(parseToWebview({ type: 'toggleHistory' }), { type: 'toggleHistory' });
  });

  it('accepts chips of the mentions: problems and diff', () => {
    const chips = [
      { id: 'mention-problems-1', kind: 'problems', label: 'data.json', detail: '2 problems' },
      { id: 'mention-diff-2', kind: 'diff', label: 'diff', detail: 'not a git repository' },
    ];
    const parsed = parseToWebview({ type: 'state', state: { ...state, chips } });
    assert.ok(parsed?.type === 'state');
    assert.deepEqual(parsed.state.chips, chips);
  });

  it('strips unknown fields from a state deep down', () => {
    const noisy = { ...state, html: '<img onerror=x>', turns: [{ ...state.turns[0], onclick: 'x' }] };
    const parsed = parseToWebview({ type: 'state', state: noisy });
    assert.ok(parsed?.type === 'state');
    assert.equal('html' in parsed.state, false);
    assert.equal('onclick' in parsed.state.turns[0], false);
  });

  for (const [name, broken] of [
    ['a turn with an unknown role', { ...state, turns: [{ role: 'system', content: 'x', context: [] }] }],
    ['a turn whose content is not text', { ...state, turns: [{ role: 'user', content: { html: '<b>' }, context: [] }] }],
    ['a chip of an unknown kind', { ...state, chips: [{ id: 'x', kind: 'url', label: 'a', detail: 'b' }] }],
    ['a mention chip with an id of path characters', { ...state, chips: [{ id: 'mention/../x', kind: 'diff', label: 'diff', detail: '' }] }],
    ['a history item without a date', { ...state, history: [{ id: 'c', title: 't' }] }],
    ['a trim notice with a negative count', { ...state, trim: { ...state.trim, droppedTurns: -1 } }],
    ['a non-boolean streaming flag', { ...state, streaming: 'yes' }],
    ['an error that is not text', { ...state, error: 42 }],
  ] as const) {
    it(`rejects a state with ${name}`, () => {
      assert.equal(parseToWebview({ type: 'state', state: broken }), undefined);
    });
  }

  it('rejects a delta whose text is not a string', () => {
    assert.equal(parseToWebview({ type: 'delta', text: { html: '<img onerror=x>' } }), undefined);
    assert.equal(parseToWebview({ type: 'delta' }), undefined);
    assert.equal(parseToWebview({ type: 'status', text: 'old message' }), undefined);
  });
});
