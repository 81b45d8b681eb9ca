import { dom, posted } from '../../support/webviewDom';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { ToWebview } from '../../../src/shared/protocol';
import '../../../webview-ui/main';
import { chatState } from '../../support/chatState';

// The chat panel's @ suggestions on jsdom, typed into the real input of the whole panel.

const document = dom.window.document;
const input = document.querySelector<HTMLTextAreaElement>('textarea.input') as HTMLTextAreaElement;
const menu = document.querySelector<HTMLElement>('.mention-menu') as HTMLElement;

function hostPosts(message: ToWebview): void {
  dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message }));
}

/** Types `text` as the whole input, caret at its end. */
function type(text: string): void {
  input.value = text;
  input.setSelectionRange(text.length, text.length);
  input.dispatchEvent(new dom.window.Event('input', { bubbles: true }));
}

function press(key: string, init: KeyboardEventInit = {}): void {
  input.dispatchEvent(new dom.window.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
}

const options = () => Array.from(menu.querySelectorAll('[role="option"]'), (li) => li.querySelector('.mention-name')?.textContent);
const selected = () => menu.querySelector('[aria-selected="true"] .mention-name')?.textContent;

describe('chat panel @ suggestions', () => {
  beforeEach(() => {
    posted.length = 0;
    type('');
    hostPosts({ type: 'state', state: chatState([]) });
  });

  it('lists every mention after a bare @ and filters as the user types', () => {
    assert.equal(menu.hidden, true);
    type('@');
    assert.equal(menu.hidden, false);
    assert.deepEqual(options(), ['@file', '@selection', '@problems', '@diff']);
    assert.equal(input.getAttribute('aria-expanded'), 'true');
    type('why @pr');
    assert.deepEqual(options(), ['@problems']);
    type('why @prx');
    assert.equal(menu.hidden, true);
    type('mail me@fi');
    assert.equal(menu.hidden, true, 'an @ inside a word is no mention');
  });

  it('moves with the arrows (wrapping) and chooses with Enter without sending', () => {
    type('fix @');
    assert.equal(selected(), '@file');
    press('ArrowDown');
    press('ArrowDown');
    assert.equal(selected(), '@problems');
    press('ArrowUp');
    press('ArrowUp');
    press('ArrowUp');
    assert.equal(selected(), '@diff');
    press('Enter');
    assert.deepEqual(posted, [{ type: 'addMention', kind: 'diff' }]);
    assert.equal(input.value, 'fix');
    assert.equal(menu.hidden, true);
  });

  it('chooses with Tab and with a click, taking the @word out of the text', () => {
    type('@sel');
    press('Tab');
    type('why @p this');
    input.setSelectionRange(6, 6);
    input.dispatchEvent(new dom.window.Event('input'));
    menu.querySelector('[role="option"]')?.dispatchEvent(new dom.window.MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    assert.deepEqual(posted, [{ type: 'addMention', kind: 'selection' }, { type: 'addMention', kind: 'problems' }]);
    assert.equal(input.value, 'why this');
  });

  it('closes on Escape without stopping the reply, and stays closed for that @', () => {
    hostPosts({ type: 'state', state: chatState([], { streaming: true }) });
    type('@d');
    press('Escape');
    assert.equal(menu.hidden, true);
    assert.deepEqual(posted, [], 'Escape in the list must not post stop');
    type('@di');
    assert.equal(menu.hidden, true);
    type('@di @');
    assert.equal(menu.hidden, false, 'a new @ opens the list again');
    press('Escape');
    press('Escape');
    assert.deepEqual(posted, [{ type: 'stop' }], 'with the list closed, Escape stops the reply again');
  });

  it('sends typed mentions as text when the list is closed', () => {
    type('@problems why?');
    assert.equal(menu.hidden, true);
    press('Enter');
    assert.deepEqual(posted, [{ type: 'send', text: '@problems why?' }]);
  });

  it('sends on Enter after a mention typed in full, while Tab still makes it a chip', () => {
    type('why? @diff');
    assert.equal(menu.hidden, false);
    press('Tab');
    assert.deepEqual(posted, [{ type: 'addMention', kind: 'diff' }]);
    type('why? @Diff');
    press('Enter');
    assert.deepEqual(posted.slice(1), [{ type: 'send', text: 'why? @Diff' }]);
    assert.equal(menu.hidden, true);
  });

  it('shows mention chips with their icons and removes them through the host', () => {
    hostPosts({
      type: 'state',
      state: chatState([], {
        chips: [
          { id: 'mention-problems-1', kind: 'problems', label: 'problems', detail: 'of the active file' },
          { id: 'mention-diff-2', kind: 'diff', label: 'diff', detail: 'uncommitted changes' },
        ],
      }),
    });
    const chips = Array.from(document.querySelectorAll('.chips .chip'));
    assert.deepEqual(chips.map((chip) => chip.querySelector('.codicon')?.className), ['codicon codicon-warning', 'codicon codicon-diff']);
    assert.deepEqual(chips.map((chip) => chip.textContent), ['problemsof the active file', 'diffuncommitted changes']);
    chips[0].querySelector<HTMLButtonElement>('button[aria-label="Remove problems from the context"]')?.click();
    assert.deepEqual(posted, [{ type: 'removeContext', id: 'mention-problems-1' }]);
  });
});
