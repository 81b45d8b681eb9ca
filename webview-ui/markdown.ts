/**
 * @file Model output to safe HTML: Markdown rendered by marked with highlight.js code blocks,
 * then sanitised by DOMPurify with an allow-list. Raw HTML in the Markdown is shown as text and
 * images as their alt text; links keep an href only when it is http(s), and the panel opens
 * them through the host on click. Takes the window as a parameter so node tests can use jsdom.
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

// The core build plus common languages keeps the bundle small (the full build is ~1 MB).
const LANGUAGES = { bash, c, cpp, csharp, css, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

const ALLOWED_TAGS = [
  'a', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol', 'p',
  'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'align'];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The highlight.js name for a fence's info string, or `undefined` when not a known language. */
function languageOf(info: string | undefined): string | undefined {
  const name = info?.trim().split(/\s+/)[0]?.toLowerCase();
  return name && hljs.getLanguage(name) ? name : undefined;
}

function codeBlock(token: Tokens.Code): string {
  const language = languageOf(token.lang);
  const body = language ? hljs.highlight(token.text, { language, ignoreIllegals: true }).value : escapeHtml(token.text);
  const label = language ?? (token.lang?.trim() ? 'text' : '');
  return `<div class="code-block"><div class="code-header"><span class="code-lang">${escapeHtml(label)}</span></div>` +
    `<pre><code class="hljs${language ? ` language-${language}` : ''}">${body}</code></pre></div>`;
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
    renderer: {
      code: codeBlock,
      html: (token) => escapeHtml(token.text),
      image: (token) => escapeHtml(token.text ? `[image: ${token.text}]` : '[image]'),
    },
  });
  return (source) => {
    const html = marked.parse(source, { async: false });
    return purify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false });
  };
}
