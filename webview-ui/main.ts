/**
 * @file Chat webview entry: lays out the panel, applies validated host messages (whole state,
 * or streamed text appended to the last reply), and wires the keyboard: Enter sends,
 * Shift+Enter starts a new line, Escape stops the reply. Each part of the panel updates on its
 * own, so a part that throws cannot leave the others (Stop, the transcript) stale.
 */
import { parseToWebview, type ChatState } from '../src/shared/protocol';
import { h, iconButton } from './dom';
import { createMarkdownRenderer } from './markdown';
import { MentionMenu } from './mentionMenu';
import { TranscriptView } from './transcript';
import { chipsView, historyView, trimText } from './view';
import { post } from './vscodeApi';

const render = createMarkdownRenderer(window);

const modelSelect = h('select', { class: 'model-select', 'aria-label': 'Chat model', title: 'Chat model' });
const historyPanel = h('section', { class: 'history', 'aria-label': 'Chat history', hidden: true });
const transcript = h('section', { class: 'transcript', 'aria-live': 'polite', 'aria-label': 'Conversation' });
const notes = h('div', { class: 'notes' });
const chips = h('div', { class: 'chips', 'aria-label': 'Context' });
const input = h('textarea', {
  class: 'input',
  rows: '3',
  placeholder: 'Ask about your code (@ to mention a file, selection, problems or diff; Enter to send)',
  'aria-label': 'Message',
});
const sendButton = iconButton('send', 'Send', () => send(), { className: 'send' });
const stopButton = iconButton('debug-stop', 'Stop', () => post({ type: 'stop' }), { showLabel: true, className: 'stop' });
const turns = new TranscriptView(transcript, render);
const mentions = new MentionMenu(input, (kind) => post({ type: 'addMention', kind }));

let state: ChatState | undefined;
let pendingFrame = 0;

function send(): void {
  const text = input.value;
  if (text.trim() === '' || state?.streaming) return;
  post({ type: 'send', text });
  input.value = '';
  mentions.close();
}

function nearBottom(): boolean {
  return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
}

/** Runs every part's update even when one throws, so one broken part cannot freeze the rest. */
function updateEach(parts: ReadonlyArray<() => void>): void {
  for (const update of parts) {
    try {
      update();
    } catch (error) {
      console.error('SmolCode chat: a part of the panel could not be updated.', error);
    }
  }
}

function applyState(next: ChatState): void {
  const follow = nearBottom();
  if (state && state.conversationId !== next.conversationId) historyPanel.hidden = true;
  state = next;
  updateEach([
    () => {
      sendButton.hidden = next.streaming;
      stopButton.hidden = !next.streaming;
    },
    () => modelSelect.replaceChildren(...next.models.map((model) => h('option', { value: model, selected: model === next.currentModel }, model))),
    () => historyPanel.replaceChildren(h('h2', {}, 'History'), historyView(next.history, next.conversationId)),
    () => turns.update(next),
    () => notes.replaceChildren(
      ...[
        next.status && h('p', { class: 'status' }, next.status),
        next.trim && h('p', { class: 'trim-notice' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ' ', trimText(next.trim)),
        next.error && h('p', { class: 'error', role: 'alert' }, next.error),
      ].filter((note): note is HTMLParagraphElement => Boolean(note)),
    ),
    () => chips.replaceChildren(...chipsView(next.chips)),
  ]);
  if (follow) transcript.scrollTop = transcript.scrollHeight;
}

/** Appends streamed text to the last reply; that reply alone is re-rendered, once per frame. */
function applyDelta(text: string): void {
  const last = state?.turns[state.turns.length - 1];
  if (!state || last?.role !== 'assistant') return;
  state = { ...state, turns: [...state.turns.slice(0, -1), { ...last, content: last.content + text }] };
  if (pendingFrame) return;
  pendingFrame = requestAnimationFrame(() => {
    pendingFrame = 0;
    if (!state) return;
    const follow = nearBottom();
    turns.update(state);
    if (follow) transcript.scrollTop = transcript.scrollHeight;
  });
}

modelSelect.addEventListener('change', () => post({ type: 'selectModel', model: modelSelect.value }));

input.addEventListener('keydown', (event) => {
  if (mentions.handleKey(event)) return;
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state?.streaming) {
    event.preventDefault();
    post({ type: 'stop' });
  }
});

// Links in replies never navigate the webview; the host opens http(s) ones after a click.
transcript.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest('a');
  if (!link) return;
  event.preventDefault();
  const href = link.getAttribute('href');
  if (href) post({ type: 'openLink', href });
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseToWebview(event.data);
  switch (message?.type) {
    case 'state':
      return applyState(message.state);
    case 'delta':
      return applyDelta(message.text);
    case 'focusInput':
      return input.focus();
    case 'toggleHistory':
      historyPanel.hidden = !historyPanel.hidden;
      return;
  }
});

document.getElementById('app')?.replaceChildren(
  h('header', { class: 'toolbar' }, h('h1', {}, 'SmolCode Chat'), modelSelect),
  historyPanel,
  transcript,
  notes,
  h('footer', { class: 'composer' }, chips, mentions.element, input, h('div', { class: 'composer-actions' }, stopButton, sendButton)),
);
stopButton.hidden = true;
post({ type: 'ready' });
