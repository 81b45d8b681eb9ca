/**
 * @file The chat panel's Markdown renderer on jsdom, with the checks its tests share: parse the
 * HTML as the webview's innerHTML would, list anything in it that could run code or load
 * something, and measure how deeply it nests.
 */
import { JSDOM } from 'jsdom';
import { createMarkdownRenderer } from '../../webview-ui/markdown';

const { window } = new JSDOM('');

/** The renderer the panel uses, bound to a jsdom window. */
export const render = createMarkdownRenderer(window as unknown as Parameters<typeof createMarkdownRenderer>[0]);

/** Parses rendered HTML the way the webview's innerHTML would. */
export function parse(html: string): DocumentFragment {
  const template = window.document.createElement('template');
  template.innerHTML = html;
  return template.content;
}

const ACTIVE_TAGS = ['script', 'iframe', 'object', 'embed', 'img', 'svg', 'math', 'style', 'link', 'meta', 'form', 'input', 'button', 'base'];

/** Everything in `html` that could run code or load something. */
export function dangers(html: string): string[] {
  const found: string[] = [];
  for (const element of parse(html).querySelectorAll('*')) {
    const tag = element.tagName.toLowerCase();
    if (ACTIVE_TAGS.includes(tag)) found.push(`<${tag}>`);
    for (const attr of Array.from(element.attributes)) {
      if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name) && !/^https?:\/\//i.test(attr.value)) found.push(`${tag}[${attr.name}=${attr.value}]`);
      if (attr.name === 'style') found.push(`${tag}[style]`);
    }
  }
  return found;
}

/**
 * How many elements that `counts` inside one another the tree under `root` holds at most
 * (walked without recursion, so a tree of any depth can be measured).
 */
export function nesting(root: ParentNode, counts: (element: Element) => boolean = () => true): number {
  let deepest = 0;
  const pending: Array<[Element, number]> = [];
  const visit = (children: HTMLCollection, depth: number) => {
    for (const child of children) pending.push([child, depth + (counts(child) ? 1 : 0)]);
  };
  visit(root.children, 0);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [element, depth] = next;
    deepest = Math.max(deepest, depth);
    visit(element.children, depth);
  }
  return deepest;
}

/** `nesting` of one tag, e.g. how many blockquotes deep a rendering goes. */
export function tagNesting(root: ParentNode, tag: string): number {
  return nesting(root, (element) => element.tagName.toLowerCase() === tag);
}
