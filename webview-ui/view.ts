/**
 * @file Builds the panel's smaller parts from the chat state: the context chips, the history
 * list and the notes (the turns are transcript.ts's). Every handler posts a typed message;
 * nothing from the model is ever run.
 */
import type { ContextChip, ContextKind, HistoryItem, TrimNotice } from '../src/shared/protocol';
import { h, iconButton } from './dom';
import { post } from './vscodeApi';

const CHIP_ICONS: Readonly<Record<ContextKind, string>> = { file: 'file', selection: 'selection', problems: 'warning', diff: 'diff' };

/** A context chip, with a remove button when `onRemove` is given. */
export function chipView(chip: ContextChip, onRemove?: () => void): HTMLElement {
  const icon = CHIP_ICONS[chip.kind];
  return h('span', { class: 'chip', title: `${chip.label} (${chip.detail})` },
    h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    h('span', { class: 'chip-label' }, chip.label),
    h('span', { class: 'chip-detail' }, chip.detail),
    onRemove && iconButton('close', `Remove ${chip.label === chip.kind ? chip.kind : `${chip.kind} ${chip.label}`} from the context`, onRemove, { className: 'chip-remove' }),
  );
}

/** The removable chips of the context the next question will carry. */
export function chipsView(chips: readonly ContextChip[]): HTMLElement[] {
  return chips.map((chip) => chipView(chip, () => post({ type: 'removeContext', id: chip.id })));
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
