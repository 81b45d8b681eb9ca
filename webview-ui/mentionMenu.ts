/**
 * @file The `@` suggestion list under the chat input: typing `@` (at the start or after a
 * space) lists `file`, `selection`, `problems` and `diff`, filtered by what follows. Arrows move,
 * Enter or Tab choose (Enter after a mention typed in full sends instead), Escape closes; a
 * click chooses too. Choosing takes the `@word` out of the text and hands the mention to
 * `onPick` (the host turns it into a chip). A combobox/listbox pair, so screen readers announce
 * the options.
 */
import { MENTION_DESCRIPTIONS, mentionQueryAt, removeRange, suggestMentions, type MentionKind, type MentionQuery } from '../src/shared/mentions';
import { h } from './dom';

const LIST_ID = 'mention-menu';

export class MentionMenu {
  readonly element = h('ul', { class: 'mention-menu', id: LIST_ID, role: 'listbox', 'aria-label': 'Mentions', hidden: true });
  private options: MentionKind[] = [];
  private active = 0;
  private query: MentionQuery | undefined;
  /** Where the `@` closed with Escape is; it stays closed until the user types another `@`. */
  private dismissedAt: number | undefined;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly onPick: (kind: MentionKind) => void,
  ) {
    input.setAttribute('aria-controls', LIST_ID);
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('input', () => this.update());
    input.addEventListener('click', () => this.update());
    input.addEventListener('blur', () => this.close());
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Shows the suggestions for the `@word` before the caret, or closes the list when there is none. */
  update(): void {
    const query = mentionQueryAt(this.input.value, this.input.selectionStart ?? this.input.value.length);
    if (query?.start !== this.dismissedAt) this.dismissedAt = undefined;
    const options = query && this.dismissedAt === undefined ? suggestMentions(query.query) : [];
    if (options.length === 0) return this.close();
    const keep = this.options[this.active];
    this.query = query;
    this.options = options;
    this.active = Math.max(0, options.indexOf(keep as MentionKind));
    this.render();
  }

  /** Handles a key of the input while the list is open; true when the key was the list's. */
  handleKey(event: KeyboardEvent): boolean {
    if (!this.isOpen || event.isComposing) return false;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.active = (this.active + step + this.options.length) % this.options.length;
        this.render();
        break;
      }
      case 'Enter':
      case 'Tab':
        if (event.shiftKey) return false;
        // A mention typed out in full is sent as typed (the host reads it); Tab still makes it a chip.
        if (event.key === 'Enter' && this.query?.query.toLowerCase() === this.options[this.active]) {
          this.close();
          return false;
        }
        this.pick(this.options[this.active]);
        break;
      case 'Escape':
        this.dismissedAt = this.query?.start;
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    // Escape here closes the list; it must not also stop a streaming reply.
    event.stopPropagation();
    return true;
  }

  close(): void {
    this.element.hidden = true;
    this.element.replaceChildren();
    this.options = [];
    this.query = undefined;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private pick(kind: MentionKind): void {
    const query = this.query;
    if (!query) return;
    const { text, caret } = removeRange(this.input.value, query.start, query.end);
    this.input.value = text;
    this.input.setSelectionRange(caret, caret);
    this.close();
    this.onPick(kind);
  }

  private render(): void {
    this.element.replaceChildren(
      ...this.options.map((kind, i) => {
        const option = h(
          'li',
          { class: 'mention-option', id: `mention-option-${kind}`, role: 'option', 'aria-selected': i === this.active ? 'true' : 'false' },
          h('span', { class: 'mention-name' }, `@${kind}`),
          h('span', { class: 'mention-description' }, MENTION_DESCRIPTIONS[kind]),
        );
        // mousedown, not click: the input keeps the focus (a blur would close the list first).
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          this.pick(kind);
        });
        return option;
      }),
    );
    this.element.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-activedescendant', `mention-option-${this.options[this.active]}`);
  }
}
