import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BLOCK_NESTING, MAX_INLINE_NESTING } from '../../../webview-ui/boundedLexer';
import { MAX_TABLE_CELLS } from '../../../webview-ui/markdown';
import { dangers, nesting, parse, render, tagNesting } from '../../support/renderedMarkdown';

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

/** How often `ch` occurs in `text`. */
function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

describe('Markdown rendering of hostile nesting and sizes (issue #22)', () => {
  it('renders a message of 3000 ">" instead of overflowing the stack', () => {
    const fragment = parse(render('>'.repeat(3000)));
    assert.equal(tagNesting(fragment, 'blockquote'), MAX_BLOCK_NESTING);
    // The quotes past the bound stay as characters, so nothing the user wrote disappears.
    assert.equal(count(fragment.textContent ?? '', '>'), 3000 - MAX_BLOCK_NESTING);
  });

  it('caps 1500 nested quotes at the nesting bound, which is what made each render take 1.5 s', () => {
    const fragment = parse(render('> '.repeat(1500) + 'deepest words'));
    assert.equal(tagNesting(fragment, 'blockquote'), MAX_BLOCK_NESTING);
    assert.ok(nesting(fragment) <= MAX_BLOCK_NESTING + 2, `rendered ${nesting(fragment)} elements deep`);
    assert.ok((fragment.textContent ?? '').trim().endsWith('deepest words'));
  });

  it('caps lists nested on one line ("- - - ...") at the nesting bound', () => {
    const fragment = parse(render('- '.repeat(3000) + 'item'));
    assert.equal(tagNesting(fragment, 'ul'), MAX_BLOCK_NESTING);
    assert.ok((fragment.textContent ?? '').trim().endsWith('item'));
  });

  it('caps emphasis nested 3000 deep at the inline nesting bound and keeps the text', () => {
    const fragment = parse(render(`${'*'.repeat(3000)}core${'*'.repeat(3000)}`));
    assert.ok(nesting(fragment) <= MAX_INLINE_NESTING + 2, `rendered ${nesting(fragment)} elements deep`);
    assert.ok((fragment.textContent ?? '').includes('core'));
  });

  it('shows 100 KB of "_a" as plain text instead of scanning it for emphasis (7.6 s before)', () => {
    const source = '_a'.repeat(50_000);
    const fragment = parse(render(source));
    assert.equal(fragment.querySelector('.plain-text')?.textContent, source);
    assert.equal(fragment.querySelector('em, strong'), null);
  });

  it('still formats emphasis in ordinary prose', () => {
    const fragment = parse(render(`${'Some *emphasis* and __strong__ words with snake_case_names. '.repeat(40)}`));
    assert.equal(fragment.querySelector('.plain-text'), null);
    assert.equal(fragment.querySelectorAll('em').length, 40);
    assert.equal(fragment.querySelectorAll('strong').length, 40);
  });

  it(`shows a table of more than ${MAX_TABLE_CELLS} cells as its source`, () => {
    const columns = 60;
    const row = `|${' x |'.repeat(columns)}`;
    const source = [`|${' h |'.repeat(columns)}`, `|${'---|'.repeat(columns)}`, ...Array.from({ length: 40 }, () => row)].join('\n');
    const fragment = parse(render(source));
    assert.equal(fragment.querySelector('table'), null);
    assert.equal(fragment.querySelector('.plain-text')?.textContent, source);
  });

  it('lays out a table within the cell bound', () => {
    const fragment = parse(render('| a | b |\n|---|---|\n| 1 | 2 |'));
    assert.equal(fragment.querySelectorAll('td').length, 2);
  });
});

describe('Bidi control characters in code (issue #22)', () => {
  const trojan = 'if (access_level != "user\u202E \u2066// Check if admin\u2069 \u2066") {';

  it('flags each bidi control character in a code block with its code point', () => {
    const block = parse(render(`\`\`\`js\n${trojan}\n\`\`\``)).querySelector('.code-block');
    const flags = Array.from(block?.querySelectorAll('code .bidi-control') ?? [], (flag) => [flag.getAttribute('title'), flag.textContent]);
    assert.deepEqual(flags, [
      ['U+202E', '\u202E'], ['U+2066', '\u2066'], ['U+2069', '\u2069'], ['U+2066', '\u2066'],
    ]);
    // The characters stay in the code, so Copy and Insert give exactly what the model wrote.
    assert.equal(block?.querySelector('code')?.textContent, trojan);
  });

  it('warns in the code block header, naming each kind of bidi control character', () => {
    const warning = parse(render(`\`\`\`\n${trojan}\n\`\`\``)).querySelector('.code-header .code-warning');
    assert.equal(
      warning?.textContent?.trim(),
      'Bidirectional control characters: U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE',
    );
  });

  it('flags every listed bidi control character, in inline code too', () => {
    const controls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
    const code = parse(render(`run \`a${controls.join('b')}c\` now`)).querySelector('code');
    assert.deepEqual(Array.from(code?.querySelectorAll('.bidi-control') ?? [], (flag) => flag.textContent), controls);
  });

  it('leaves code without bidi control characters unflagged', () => {
    const fragment = parse(render('```ts\nconst right = "\u05D0\u05D1";\n```'));
    assert.equal(fragment.querySelector('.bidi-control, .code-warning'), null);
  });
});
