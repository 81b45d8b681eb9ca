/**
 * @file One message's body: its Markdown rendered and sanitised, with code block buttons, or its
 * plain text with a note saying why. A message that is too long, or that the renderer throws
 * on, must not take the panel down with it: before, one 3 KB message of `>` overflowed the
 * stack on every state update and froze the whole transcript.
 */
import { h, iconButton } from './dom';
import type { MarkdownRenderer } from './markdown';
import { post } from './vscodeApi';

/**
 * Longer messages show as plain text. Rendering cost grows with the elements a message makes
 * (a 20 KB run of empty code fences makes 12,500 and took seconds to sanitise in jsdom); a
 * reply is at most 1024 tokens, about 4 KB, so only pasted text gets this far.
 */
export const MAX_MARKDOWN_CHARS = 20_000;

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

function showPlainText(element: HTMLElement, text: string, why: string): void {
  element.replaceChildren(
    h('p', { class: 'render-note' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ` Shown as plain text: ${why}.`),
    h('div', { class: 'plain-text' }, text),
  );
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Fills `element` with the rendering of `markdown`, or with its text when it is longer than
 * `MAX_MARKDOWN_CHARS` or the renderer fails; either way every character is shown.
 */
export function renderMessageInto(element: HTMLElement, markdown: string, render: MarkdownRenderer): void {
  if (markdown.length > MAX_MARKDOWN_CHARS) {
    showPlainText(element, markdown, `it is longer than ${MAX_MARKDOWN_CHARS.toLocaleString('en-US')} characters`);
    return;
  }
  try {
    // Sanitised by DOMPurify inside `render`; this is the panel's only HTML sink.
    element.innerHTML = render(markdown);
    decorateCodeBlocks(element);
  } catch (error) {
    showPlainText(element, markdown, `it could not be rendered as Markdown (${reason(error)})`);
  }
}
