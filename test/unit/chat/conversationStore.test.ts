import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation } from '../../../src/chat/conversation';
import { titleFor } from '../../../src/chat/conversation';
import { ConversationStore, HISTORY_KEY, MAX_CONVERSATIONS } from '../../../src/chat/conversationStore';
import { MemoryMemento } from './fakes';

const conversation = (id: string, updatedAt: number): Conversation => ({
  id,
  title: `chat ${id}`,
  updatedAt,
  turns: [{ role: 'user', content: 'hi', context: [], blocks: [] }],
});

describe('conversation history store', () => {
  it('saves, lists newest first, replaces by id and deletes', async () => {
    const store = new ConversationStore(new MemoryMemento());
    await store.save(conversation('a', 1));
    await store.save(conversation('b', 2));
    await store.save({ ...conversation('a', 3), title: 'renamed' });
    assert.deepEqual(store.list(), [{ id: 'a', title: 'renamed', updatedAt: 3 }, { id: 'b', title: 'chat b', updatedAt: 2 }]);
    await store.delete('a');
    assert.deepEqual(store.list().map((item) => item.id), ['b']);
    assert.equal(store.get('b')?.turns[0].content, 'hi');
  });

  it(`keeps at most ${MAX_CONVERSATIONS} conversations, forgetting the oldest`, async () => {
    const store = new ConversationStore(new MemoryMemento());
    for (let i = 0; i < MAX_CONVERSATIONS + 3; i++) await store.save(conversation(`c${i}`, i));
    const ids = store.list().map((item) => item.id);
    assert.equal(ids.length, MAX_CONVERSATIONS);
    assert.equal(ids[0], `c${MAX_CONVERSATIONS + 2}`);
    assert.ok(!ids.includes('c0'));
  });

  it('skips damaged entries instead of failing', () => {
    const memento = new MemoryMemento();
    memento.values.set(HISTORY_KEY, [conversation('ok', 1), { id: 'bad' }, null, { ...conversation('evil id!', 2) }, { ...conversation('t', 3), turns: [{ role: 'system', content: 'x' }] }]);
    assert.deepEqual(new ConversationStore(memento).list().map((item) => item.id), ['ok']);
    memento.values.set(HISTORY_KEY, 'not a list');
    assert.deepEqual(new ConversationStore(memento).list(), []);
  });

  it('keeps conversations whose questions carried mention chips, and skips unknown chip kinds', async () => {
    const memento = new MemoryMemento();
    const withMentions: Conversation = {
      ...conversation('m', 1),
      turns: [{
        role: 'user',
        content: 'why?',
        context: [
          { id: 'mention-problems-1', kind: 'problems', label: 'a.json', detail: '2 problems' },
          { id: 'mention-diff-2', kind: 'diff', label: 'diff', detail: '1 file' },
        ],
        blocks: ['problems block', 'diff block'],
      }],
    };
    await new ConversationStore(memento).save(withMentions);
    assert.deepEqual(new ConversationStore(memento).get('m'), withMentions);
    const unknown = { ...withMentions, id: 'u', turns: [{ ...withMentions.turns[0], context: [{ id: 'x', kind: 'terminal', label: 't', detail: '' }] }] };
    memento.values.set(HISTORY_KEY, [withMentions, unknown]);
    assert.deepEqual(new ConversationStore(memento).list().map((item) => item.id), ['m']);
  });

  it('titles a conversation by its first question, shortened', () => {
    assert.equal(titleFor([]), 'New chat');
    assert.equal(titleFor([{ role: 'user', content: '  What\n does   this do? ', context: [], blocks: [] }]), 'What does this do?');
    assert.equal(titleFor([{ role: 'user', content: 'x'.repeat(100), context: [], blocks: [] }]).length, 60);
  });
});
