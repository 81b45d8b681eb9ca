import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatController } from '../../../src/chat/chatController';
import { ConversationStore } from '../../../src/chat/conversationStore';
import { SYSTEM_PROMPT } from '../../../src/chat/promptBuilder';
import { parseToWebview, type ChatState, type ToWebview } from '../../../src/shared/protocol';
import { FixedContext, MemoryMemento, ScriptedBackend } from './fakes';

function setup() {
  const backend = new ScriptedBackend();
  const context = new FixedContext();
  const store = new ConversationStore(new MemoryMemento());
  const posted: ToWebview[] = [];
  const logged: string[] = [];
  let ids = 0;
  let model = 'SmolLM2-360M-Instruct';
  const controller = new ChatController({
    backend,
    store,
    context,
    models: { options: () => ['SmolLM2-135M-Instruct', 'SmolLM2-360M-Instruct'], current: () => model, select: async (m) => { model = m; } },
    log: { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    post: (message) => {
      // Everything the host posts must pass the webview's own validation.
      assert.deepEqual(parseToWebview(message), message);
      posted.push(message);
    },
    newId: () => `conv-${++ids}`,
    now: () => 1000 + ids,
  });
  const lastState = (): ChatState => {
    const states = posted.filter((m): m is Extract<ToWebview, { type: 'state' }> => m.type === 'state');
    return states[states.length - 1].state;
  };
  return { backend, context, store, posted, logged, controller, lastState, model: () => model };
}

describe('chat controller', () => {
  it('streams a reply to the panel and saves the conversation', async () => {
    const { controller, posted, lastState, store, backend } = setup();
    await controller.send('What is this?');
    assert.deepEqual(posted.filter((m) => m.type === 'delta'), [{ type: 'delta', text: 'Hello' }, { type: 'delta', text: ', world' }]);
    const state = lastState();
    assert.equal(state.streaming, false);
    assert.deepEqual(state.turns.map((t) => [t.role, t.content, t.finishReason]), [['user', 'What is this?', undefined], ['assistant', 'Hello, world', 'eos']]);
    assert.deepEqual(state.history, [{ id: 'conv-1', title: 'What is this?', updatedAt: 1001 }]);
    assert.equal(store.get('conv-1')?.turns.length, 2);
    assert.deepEqual(backend.requests[0].messages, [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: 'What is this?' }]);
    assert.equal(backend.requests[0].maxNewTokens, 512);
  });

  it('shows the panel as streaming while the reply runs', async () => {
    const { controller, posted } = setup();
    await controller.send('hi');
    const streamingStates = posted.filter((m) => m.type === 'state' && m.state.streaming);
    assert.ok(streamingStates.length > 0);
  });

  it('attaches the context chips to the question and sends their blocks to the model', async () => {
    const { controller, context, backend, lastState } = setup();
    context.items = [{ chip: { id: 'selection', kind: 'selection', label: 'a.ts', detail: 'line 1' }, block: 'CODE' }];
    await controller.send('Explain');
    assert.equal(backend.requests[0].messages[1].content, 'CODE\n\nExplain');
    assert.deepEqual(lastState().turns[0].context.map((c) => c.label), ['a.ts']);
    assert.deepEqual(lastState().chips.map((c) => c.id), ['selection']);
    controller.removeContext('selection');
    assert.deepEqual(lastState().chips, []);
  });

  it('stops a reply midway and keeps what was generated', async () => {
    const { controller, backend, lastState, store } = setup();
    backend.hold = true;
    backend.chunks = ['partial'];
    const sending = controller.send('long one');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lastState().streaming, true);
    await controller.stop();
    await sending;
    const reply = lastState().turns[1];
    assert.deepEqual([reply.content, reply.finishReason], ['partial', 'cancelled']);
    assert.equal(lastState().streaming, false);
    assert.equal(store.get('conv-1')?.turns[1].finishReason, 'cancelled');
  });

  it('regenerates the last reply in place', async () => {
    const { controller, backend, lastState } = setup();
    await controller.send('q');
    backend.chunks = ['another'];
    await controller.regenerate();
    assert.deepEqual(lastState().turns.map((t) => t.content), ['q', 'another']);
    assert.equal(backend.requests.length, 2);
    assert.deepEqual(backend.requests[1].messages, backend.requests[0].messages);
  });

  it('starts a new chat and reopens or deletes old ones from the history', async () => {
    const { controller, lastState } = setup();
    await controller.send('first chat');
    await controller.newChat();
    assert.equal(lastState().conversationId, 'conv-2');
    assert.deepEqual(lastState().turns, []);
    await controller.send('second chat');
    assert.deepEqual(lastState().history.map((h) => h.title), ['second chat', 'first chat']);
    await controller.open('conv-1');
    assert.equal(lastState().conversationId, 'conv-1');
    assert.equal(lastState().turns[0].content, 'first chat');
    await controller.delete('conv-1');
    assert.deepEqual(lastState().history.map((h) => h.id), ['conv-2']);
    assert.notEqual(lastState().conversationId, 'conv-1');
    assert.deepEqual(lastState().turns, []);
  });

  it('tells the panel what was dropped to fit the window', async () => {
    const { controller, backend, lastState } = setup();
    backend.chunks = ['r'.repeat(400)];
    await controller.send('q'.repeat(400));
    backend.window = 300;
    backend.chunks = ['ok'];
    await controller.send('next');
    const trim = lastState().trim;
    assert.deepEqual([trim?.droppedTurns, trim?.droppedContext, trim?.windowTokens], [1, [], 300]);
    assert.ok((trim?.promptTokens ?? Infinity) <= 300 - 75, `a quarter of the window stays free for the reply: ${trim?.promptTokens}`);
    assert.deepEqual(backend.requests[1].messages.map((m) => m.role), ['system', 'user']);
  });

  it('reports a question too long for the window instead of sending it', async () => {
    const { controller, backend, lastState } = setup();
    backend.window = 40;
    await controller.send('x'.repeat(1000));
    assert.equal(backend.requests.length, 0);
    assert.match(lastState().error ?? '', /too long for the model/);
  });

  it('shows a model error once and logs it', async () => {
    const { controller, backend, lastState, logged } = setup();
    backend.failWith = new Error('worker crashed');
    await controller.send('hi');
    assert.match(lastState().error ?? '', /worker crashed/);
    assert.ok(logged.some((line) => line.includes('worker crashed')));
    assert.equal(lastState().streaming, false);
  });

  it('switches the model only to one of the offered models', async () => {
    const { controller, model, logged } = setup();
    await controller.selectModel('SmolLM2-135M-Instruct');
    assert.equal(model(), 'SmolLM2-135M-Instruct');
    await controller.selectModel('evil-model');
    assert.equal(model(), 'SmolLM2-135M-Instruct');
    assert.ok(logged.some((line) => line.includes('evil-model')));
  });
});
