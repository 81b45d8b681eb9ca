/**
 * @file A tiny element builder for the panel. Text always goes in as text nodes; the only HTML
 * the panel inserts is the sanitised output of markdown.ts.
 */

type Child = Node | string | false | undefined;

/** Creates `<tag>` with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== false && child !== undefined) element.append(child);
  }
  return element;
}

/** A button with a codicon, a visible or hidden label, and a click handler. */
export function iconButton(icon: string, label: string, onClick: () => void, options: { showLabel?: boolean; className?: string } = {}): HTMLButtonElement {
  const button = h(
    'button',
    { type: 'button', class: `icon-button ${options.className ?? ''}`.trim(), title: label, 'aria-label': label },
    h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    options.showLabel && h('span', { class: 'label' }, label),
  );
  button.addEventListener('click', onClick);
  return button;
}
