import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { createMarkdownRenderer } from '../../../webview-ui/markdown';

const { window } = new JSDOM('');
const render = createMarkdownRenderer(window as unknown as Parameters<typeof createMarkdownRenderer>[0]);

/** Parses rendered HTML the way the webview's innerHTML would. */
function parse(html: string): DocumentFragment {
  const template = window.document.createElement('template');
  template.innerHTML = html;
  return template.content;
}

/** Everything in `html` that could run code or load something. */
function dangers(html: string): string[] {
  const found: string[] = [];
  for (const element of parse(html).querySelectorAll('*')) {
    const tag = element.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'img', 'svg', 'math', 'style', 'link', 'meta', 'form', 'input', 'button', 'base'].includes(tag)) found.push(`<${tag}>`);
    for (const attr of Array.from(element.attributes)) {
      if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name) && !/^https?:\/\//i.test(attr.value)) found.push(`${tag}[${attr.name}=${attr.value}]`);
      if (attr.name === 'style') found.push(`${tag}[style]`);
    }
  }
  return found;
}

const payloads: ReadonlyArray<readonly [string, string]> = [
  ['a script tag', 'Hello <script>alert(1)</script> world'],
  ['a block of raw HTML with a script', '<div>\n<script>alert(document.cookie)</script>\n</div>'],
  ['an img onerror attribute', '<img src=x onerror="alert(1)">'],
  ['an svg onload attribute', '<svg onload=alert(1)><circle r=1 /></svg>'],
  ['an inline event handler on a link', '<a href="https://example.com" onclick="alert(1)">x</a>'],
  ['a javascript: Markdown link', '[click me](javascript:alert(1))'],
  ['an entity-encoded javascript: link', '[click me](jav&#x61;script:alert(1))'],
  ['a javascript: link with spaces and case', '[x]( JaVaScRiPt:alert(1) )'],
  ['a javascript: reference link', '[x][ref]\n\n[ref]: javascript:alert(1)'],
  ['a data: URL link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['a vbscript: link', '[x](vbscript:msgbox(1))'],
  ['a command: URI link', '[run](command:workbench.action.terminal.new)'],
  ['a Markdown image', '![alt](https://evil.example/track.png)'],
  ['an image with onerror smuggled in its title', '![a](x "onerror=alert(1)")'],
  ['an iframe', '<iframe src="https://evil.example"></iframe>'],
  ['a style tag', '<style>body{display:none}</style>'],
  ['a form with a button', '<form action="https://evil.example"><button>go</button></form>'],
  ['HTML inside a code block', '```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```'],
  ['HTML in an unknown-language code block', '```weird\n<script>alert(1)</script>\n```'],
  ['a fence info string that tries to break out', '```"><img src=x onerror=alert(1)>\ncode\n```'],
  ['HTML in inline code', 'run `<script>alert(1)</script>` now'],
  ['an unclosed code fence while streaming', '```js\n<img src=x onerror=alert(1)>'],
  ['a mutation-XSS classic', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
];

describe('Markdown rendering of model output', () => {
  for (const [name, markdown] of payloads) {
    it(`renders ${name} inert`, () => {
      const html = render(markdown);
      assert.deepEqual(dangers(html), [], html);
      // Escaped text may mention `onerror=`; only a real tag carrying a handler matters.
      assert.doesNotMatch(html, /<(script|img|iframe|svg|style)\b|<[^>]*\son\w+\s*=/i, html);
    });
  }

  it('shows raw HTML from the model as text', () => {
    const text = parse(render('Hello <script>alert(1)</script> world')).textContent ?? '';
    assert.match(text, /<script>alert\(1\)<\/script>/);
  });

  it('keeps HTML inside a code block as the code text', () => {
    const code = parse(render('```html\n<script>alert(1)</script>\n```')).querySelector('code');
    assert.equal(code?.textContent, '<script>alert(1)</script>');
    assert.equal(code?.querySelector('script'), null);
  });

  it('drops the href of a javascript: link but keeps its text', () => {
    const link = parse(render('[click me](javascript:alert(1))')).querySelector('a');
    assert.equal(link?.textContent, 'click me');
    assert.equal(link?.hasAttribute('href'), false);
  });

  it('keeps http(s) links for the host to open', () => {
    const link = parse(render('see [docs](https://code.visualstudio.com/api)')).querySelector('a');
    assert.equal(link?.getAttribute('href'), 'https://code.visualstudio.com/api');
  });

  it('highlights a known language with highlight.js classes inside a code block frame', () => {
    const fragment = parse(render('```ts\nconst x: number = 1;\n```'));
    const block = fragment.querySelector('.code-block');
    assert.ok(block);
    assert.equal(block.querySelector('.code-lang')?.textContent, 'ts');
    assert.match(block.querySelector('code')?.className ?? '', /hljs language-ts/);
    assert.ok(block.querySelector('code .hljs-keyword'));
    assert.equal(block.querySelector('code')?.textContent, 'const x: number = 1;');
  });

  it('renders ordinary Markdown', () => {
    const fragment = parse(render('# Title\n\n- **bold** and *em*\n- `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |'));
    assert.ok(fragment.querySelector('h1'));
    assert.ok(fragment.querySelector('li strong'));
    assert.ok(fragment.querySelector('li em'));
    assert.ok(fragment.querySelector('table td'));
  });
});
