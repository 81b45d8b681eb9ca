/**
 * @file Model output to safe HTML: Markdown rendered by marked with highlight.js code blocks,
 * then sanitised by DOMPurify with an allow-list. Raw HTML in the Markdown is shown as text and
 * images as their alt text; links keep an href only when it is http(s), and the panel opens
 * them through the host on click. Nesting and emphasis are bounded by boundedLexer.ts, and huge
 * tables show as their source, so no message can overflow the stack or stall the panel. Takes
 * the window as a parameter so node tests can use jsdom.
 */
import DOMPurify, { type WindowLike } from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Tokens } from 'marked';
import { bidiControlsIn, describeBidiControl, flagBidiControls } from './bidiControls';
import { boundedLex, type PlainTextToken } from './boundedLexer';

// The core build plus common languages keeps the bundle small (the full build is ~1 MB).
const LANGUAGES = { bash, c, cpp, csharp, css, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

const ALLOWED_TAGS = [
  'a', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol', 'p',
  'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'align'];

/**
 * Tables with more cells than this show as their Markdown source: sanitising and laying out
 * 100,000 cells took 15 s in jsdom, and no reply needs a table that size.
 */
export const MAX_TABLE_CELLS = 2_000;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The highlight.js name for a fence's info string, or `undefined` when not a known language. */
function languageOf(info: string | undefined): string | undefined {
  const name = info?.trim().split(/\s+/)[0]?.toLowerCase();
  return name && hljs.getLanguage(name) ? name : undefined;
}

/** The header's warning that the code holds bidi control characters, naming each kind. */
function bidiWarning(code: string): string {
  const found = bidiControlsIn(code);
  if (found.length === 0) return '';
  const names = found.map(describeBidiControl).join(', ');
  return `<span class="code-warning" title="These invisible characters can make code display differently from how it runs.">` +
    `<span class="codicon codicon-warning"></span> Bidirectional control characters: ${escapeHtml(names)}</span>`;
}

function codeBlock(token: Tokens.Code): string {
  const language = languageOf(token.lang);
  const body = language ? hljs.highlight(token.text, { language, ignoreIllegals: true }).value : escapeHtml(token.text);
  const label = language ?? (token.lang?.trim() ? 'text' : '');
  return `<div class="code-block"><div class="code-header"><span class="code-lang">${escapeHtml(label)}</span>${bidiWarning(token.text)}</div>` +
    `<pre><code class="hljs${language ? ` language-${language}` : ''}">${flagBidiControls(body)}</code></pre></div>`;
}

/** Source shown as it is: a `<div>` for a block, a `<span>` inside inline text. */
function plainText(text: string, block: boolean): string {
  const tag = block ? 'div' : 'span';
  return `<${tag} class="plain-text">${escapeHtml(text)}</${tag}>`;
}

function cellCount(token: Tokens.Table): number {
  return token.header.length * (token.rows.length + 1);
}

/** Renders Markdown to sanitised HTML. */
export type MarkdownRenderer = (markdown: string) => string;

/** A renderer bound to `window` (the webview's, or jsdom's in tests). */
export function createMarkdownRenderer(window: WindowLike): MarkdownRenderer {
  const purify = DOMPurify(window);
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') return;
    const href = node.getAttribute('href') ?? '';
    if (!/^https?:\/\//i.test(href.trim())) node.removeAttribute('href');
  });
  const marked = new Marked({
    gfm: true,
    hooks: { provideLexer: () => boundedLex },
    extensions: [{
      name: 'plainText',
      renderer: (token) => {
        const { text, block } = token as PlainTextToken;
        return plainText(text, block);
      },
    }],
    renderer: {
      code: codeBlock,
      codespan: (token) => `<code>${flagBidiControls(escapeHtml(token.text))}</code>`,
      html: (token) => escapeHtml(token.text),
      image: (token) => escapeHtml(token.text ? `[image: ${token.text}]` : '[image]'),
      // `false` hands an ordinary table back to marked's own renderer.
      table: (token) => (cellCount(token) > MAX_TABLE_CELLS ? plainText(token.raw, true) : false),
    },
  });
  return (source) => {
    const html = marked.parse(source, { async: false });
    return purify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false });
  };
}
