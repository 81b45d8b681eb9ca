import { dom, runFrames } from '../../support/webviewDom';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatState, ToWebview, TurnView } from '../../../src/shared/protocol';
import '../../../webview-ui/main';
import { chatState, turn } from '../../support/chatState';

// The whole chat panel on jsdom, driven the way the host drives it: through posted messages.
// The tests are steps of one session, in order: each starts from the panel the last one left.

const HISTORY = [{ id: 'c1', title: 'Quotes', updatedAt: 0 }, { id: 'c2', title: 'Other', updatedAt: 0 }];

function shown(conversationId: string, turns: readonly TurnView[], streaming = false): ChatState {
  return chatState(turns, { conversationId, streaming, history: HISTORY });
}

function hostPosts(message: ToWebview): void {
  dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message }));
}

const $ = (selector: string) => dom.window.document.querySelector<HTMLElement>(selector);

function shownTurns(): Array<[string, string]> {
  return Array.from(dom.window.document.querySelectorAll('.transcript article.turn'), (article) => [
    article.classList.contains('user') ? 'user' : 'assistant',
    (article.querySelector('.content')?.textContent ?? '').trim(),
  ]);
}

const QUOTES = '>'.repeat(3000);
const before = [turn('user', 'first question'), turn('assistant', 'first answer', 'stop')];

describe('chat panel with a message of 3000 ">" (issue #22)', () => {
  it('keeps the transcript, Stop and the streamed reply in step after the message is sent', () => {
    hostPosts({ type: 'state', state: shown('c1', before) });
    hostPosts({ type: 'state', state: shown('c1', [...before, turn('user', QUOTES), turn('assistant', '')], true) });

    assert.equal(shownTurns().length, 4);
    assert.equal($('.stop')?.hidden, false, 'Stop is hidden while the reply streams');
    assert.equal($('.send')?.hidden, true);

    hostPosts({ type: 'delta', text: 'second ' });
    hostPosts({ type: 'delta', text: 'answer' });
    runFrames();

    const turns = shownTurns();
    assert.deepEqual(turns[1], ['assistant', 'first answer'], 'the streamed reply overwrote the previous answer');
    assert.deepEqual(turns[3], ['assistant', 'second answer']);
  });

  it('shows the quotes nested and bounded, with their text', () => {
    const quotes = dom.window.document.querySelectorAll('.transcript article.turn')[2];
    assert.ok(quotes?.querySelector('.content blockquote'));
    assert.ok((quotes?.textContent ?? '').includes('>'.repeat(100)));
  });

  it('keeps updating after the reply ends and after the conversation is reopened from history', () => {
    const finished = [...before, turn('user', QUOTES), turn('assistant', 'second answer', 'stop')];
    hostPosts({ type: 'state', state: shown('c1', finished) });
    assert.equal($('.stop')?.hidden, true);
    assert.equal($('.send')?.hidden, false);
    assert.ok($('.turn-actions button[aria-label="Regenerate"]'));

    hostPosts({ type: 'state', state: shown('c2', [turn('user', 'other question')]) });
    assert.deepEqual(shownTurns(), [['user', 'other question']]);

    hostPosts({ type: 'state', state: shown('c1', finished) });
    assert.equal(shownTurns().length, 4);
    assert.deepEqual(shownTurns()[3], ['assistant', 'second answer']);
  });
});
