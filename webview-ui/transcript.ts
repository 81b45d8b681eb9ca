/**
 * @file The conversation's turns in the panel, kept in step with the chat state one turn at a
 * time. Each state update (and each streamed frame) rebuilds only the turns that changed, which
 * while a reply streams is the reply alone; the other turns keep their DOM nodes. Rebuilding
 * the whole transcript per update made every message's cost, and every message's failure,
 * everyone's. Turn i of the state is always node i, so streamed text lands in the reply it
 * belongs to.
 */
import type { ChatState, TurnView } from '../src/shared/protocol';
import { h, iconButton } from './dom';
import type { MarkdownRenderer } from './markdown';
import { renderMessageInto } from './messageContent';
import { chipView } from './view';
import { post } from './vscodeApi';

const FINISH_NOTES: Record<string, string> = {
  cancelled: 'Stopped.',
  'max-tokens': 'The reply reached the length limit.',
  'time-budget': 'The reply ran out of time.',
};

/** What a turn's node shows: the turn, and whether it carries Regenerate. */
interface ShownTurn {
  readonly turn: TurnView;
  readonly regenerate: boolean;
  readonly element: HTMLElement;
}

function sameContext(a: TurnView, b: TurnView): boolean {
  return a.context.length === b.context.length &&
    a.context.every((chip, i) => JSON.stringify(chip) === JSON.stringify(b.context[i]));
}

function sameTurn(shown: ShownTurn, turn: TurnView, regenerate: boolean): boolean {
  const old = shown.turn;
  return shown.regenerate === regenerate && old.role === turn.role && old.content === turn.content &&
    old.finishReason === turn.finishReason && sameContext(old, turn);
}

function turnView(turn: TurnView, render: MarkdownRenderer, regenerate: boolean): HTMLElement {
  const content = h('div', { class: 'content' });
  renderMessageInto(content, turn.content, render);
  const note = turn.finishReason ? FINISH_NOTES[turn.finishReason] : undefined;
  return h('article', { class: `turn ${turn.role}`, 'aria-label': turn.role === 'user' ? 'You' : 'SmolCode' },
    h('div', { class: 'turn-role' }, turn.role === 'user' ? 'You' : 'SmolCode'),
    turn.context.length > 0 && h('div', { class: 'turn-context' }, ...turn.context.map((chip) => chipView(chip))),
    content,
    note && h('div', { class: 'turn-note' }, note),
    regenerate && h('div', { class: 'turn-actions' },
      iconButton('refresh', 'Regenerate', () => post({ type: 'regenerate' }), { showLabel: true })),
  );
}

function emptyView(): HTMLElement {
  return h('div', { class: 'empty' },
    h('p', {}, 'Ask about your code. The current file and selection are attached as context; remove a chip to leave it out. Type @ to add a file, the selection, the problems or the git diff.'),
    h('p', { class: 'hint' }, 'Enter sends, Shift+Enter starts a new line, Escape stops the reply.'));
}

/** The transcript section; the last assistant turn gets Regenerate once it is done. */
export class TranscriptView {
  private shown: ShownTurn[] = [];

  constructor(readonly element: HTMLElement, private readonly render: MarkdownRenderer) {}

  /** Shows `state`'s turns, rebuilding only those that differ from what is on screen. */
  update(state: ChatState): void {
    if (state.turns.length === 0) {
      this.shown = [];
      this.element.replaceChildren(emptyView());
      return;
    }
    const last = state.turns.length - 1;
    const next = state.turns.map((turn, i): ShownTurn => {
      const regenerate = i === last && turn.role === 'assistant' && !state.streaming;
      const old = this.shown[i];
      if (old && sameTurn(old, turn, regenerate)) return old;
      return { turn, regenerate, element: turnView(turn, this.render, regenerate) };
    });
    // Nodes before the first changed turn stay where they are (text selections in them survive).
    let kept = 0;
    while (kept < next.length && next[kept] === this.shown[kept]) kept++;
    while (this.element.children.length > kept) this.element.lastElementChild?.remove();
    this.element.append(...next.slice(kept).map((shown) => shown.element));
    this.shown = next;
  }
}
