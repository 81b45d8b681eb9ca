/**
 * @file Builds the panel's parts from the chat state: the transcript (Markdown turns with code
 * block actions), the context chips, the history list and the notes. Every handler posts a
 * typed message; nothing from the model is ever run.
 */
import type { ChatState, ContextChip, HistoryItem, TrimNotice, TurnView } from '../src/shared/protocol';
import { h, iconButton } from './dom';
import type { MarkdownRenderer } from './markdown';
import { post } from './vscodeApi';

const FINISH_NOTES: Record<string, string> = {
  cancelled: 'Stopped.',
  'max-tokens': 'The reply reached the length limit.',
  'time-budget': 'The reply ran out of time.',
};

/** Adds Copy / Insert / Replace buttons to each rendered code block inside `root`. */
export function decorateCodeBlocks(root: HTMLElement): void {
  for (const block of root.querySelectorAll<HTMLElement>('.code-block')) {
    const header = block.querySelector('.code-header');
    const code = block.querySelector('code');
    if (!header || !code) continue;
    const text = () => code.textContent ?? '';
    header.append(
      h('span', { class: 'code-actions' },
        iconButton('copy', 'Copy', () => post({ type: 'codeAction', action: 'copy', code: text() })),
        iconButton('insert', 'Insert at cursor', () => post({ type: 'codeAction', action: 'insert', code: text() })),
        iconButton('replace', 'Replace selection', () => post({ type: 'codeAction', action: 'replace', code: text() })),
      ),
    );
  }
}

/** Fills `element` with the sanitised rendering of `markdown`, plus code block buttons. */
export function renderMarkdownInto(element: HTMLElement, markdown: string, render: MarkdownRenderer): void {
  // Sanitised by DOMPurify inside `render`; this is the panel's only HTML sink.
  element.innerHTML = render(markdown);
  decorateCodeBlocks(element);
}

function chipView(chip: ContextChip, onRemove?: () => void): HTMLElement {
  const icon = chip.kind === 'file' ? 'file' : 'selection';
  return h('span', { class: 'chip', title: `${chip.label} (${chip.detail})` },
    h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    h('span', { class: 'chip-label' }, chip.label),
    h('span', { class: 'chip-detail' }, chip.detail),
    onRemove && iconButton('close', `Remove ${chip.kind === 'file' ? 'file' : 'selection'} ${chip.label} from the context`, onRemove, { className: 'chip-remove' }),
  );
}

/** The removable chips of the context the next question will carry. */
export function chipsView(chips: readonly ContextChip[]): HTMLElement[] {
  return chips.map((chip) => chipView(chip, () => post({ type: 'removeContext', id: chip.id })));
}

function turnView(turn: TurnView, render: MarkdownRenderer, isLastReply: boolean, streaming: boolean): HTMLElement {
  const content = h('div', { class: 'content' });
  renderMarkdownInto(content, turn.content, render);
  const note = turn.finishReason ? FINISH_NOTES[turn.finishReason] : undefined;
  return h('article', { class: `turn ${turn.role}`, 'aria-label': turn.role === 'user' ? 'You' : 'SmolCode' },
    h('div', { class: 'turn-role' }, turn.role === 'user' ? 'You' : 'SmolCode'),
    turn.context.length > 0 && h('div', { class: 'turn-context' }, ...turn.context.map((chip) => chipView(chip))),
    content,
    note && h('div', { class: 'turn-note' }, note),
    isLastReply && !streaming && h('div', { class: 'turn-actions' },
      iconButton('refresh', 'Regenerate', () => post({ type: 'regenerate' }), { showLabel: true })),
  );
}

/** The conversation's turns; the last assistant turn gets Regenerate once it is done. */
export function transcriptView(state: ChatState, render: MarkdownRenderer): HTMLElement[] {
  if (state.turns.length === 0) {
    return [h('div', { class: 'empty' },
      h('p', {}, 'Ask about your code. The current file and selection are attached as context; remove a chip to leave it out.'),
      h('p', { class: 'hint' }, 'Enter sends, Shift+Enter starts a new line, Escape stops the reply.'))];
  }
  const last = state.turns.length - 1;
  return state.turns.map((turn, i) => turnView(turn, render, i === last && turn.role === 'assistant', state.streaming));
}

/** The past conversations, each with open and delete buttons. */
export function historyView(items: readonly HistoryItem[], currentId: string): HTMLElement {
  if (items.length === 0) return h('p', { class: 'hint' }, 'No past conversations in this workspace yet.');
  return h('ul', { class: 'history-list' }, ...items.map((item) => {
    const open = h('button', { type: 'button', class: 'history-open', 'aria-current': item.id === currentId ? 'true' : undefined },
      h('span', { class: 'history-title' }, item.title),
      h('span', { class: 'history-date' }, new Date(item.updatedAt).toLocaleString()));
    open.addEventListener('click', () => post({ type: 'openConversation', id: item.id }));
    return h('li', {}, open, iconButton('trash', `Delete conversation: ${item.title}`, () => post({ type: 'deleteConversation', id: item.id })));
  }));
}

/** Says what was left out of the prompt to fit the model's window. */
export function trimText(trim: TrimNotice): string {
  const parts: string[] = [];
  if (trim.droppedTurns > 0) parts.push(`${trim.droppedTurns} earlier exchange${trim.droppedTurns === 1 ? '' : 's'}`);
  parts.push(...trim.droppedContext);
  return `Left out to fit the model's ${trim.windowTokens}-token window: ${parts.join('; ')}.`;
}
