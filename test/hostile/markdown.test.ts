import '../support/webviewDom';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BLOCK_NESTING, MAX_INLINE_NESTING } from '../../webview-ui/boundedLexer';
import { MAX_MARKDOWN_CHARS, renderMessageInto } from '../../webview-ui/messageContent';
import { dangers, nesting, render } from '../support/renderedMarkdown';

// Hostile chat messages, from users or the model, through the same path as a turn in the
// panel. Each must render without the fallback for renderer failures, stay within the nesting
// bounds, make nothing that can run, and keep every letter it was given (digits may become list
// numbers).

interface Case {
  readonly area: string;
  readonly name: string;
  readonly markdown: string;
}

const BIDI = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C';
const TROJAN = 'if (accessLevel != "user\u202E \u2066// Check if admin\u2069 \u2066") { grant(); }';

function table(columns: number, rows: number, cell = 'x'): string {
  const line = (text: string) => `|${` ${text} |`.repeat(columns)}`;
  return [line('h'), `|${'---|'.repeat(columns)}`, ...Array.from({ length: rows }, () => line(cell))].join('\n');
}

const corpus: readonly Case[] = [
  { area: 'nested quotes', name: '3000 ">" in a row (3 KB)', markdown: '>'.repeat(3000) },
  { area: 'nested quotes', name: '1500 "> " and a word', markdown: `${'> '.repeat(1500)}deep` },
  { area: 'nested quotes', name: 'a staircase of 200 lines, one ">" deeper each', markdown: Array.from({ length: 200 }, (_, i) => `${'>'.repeat(i + 1)} line ${i}`).join('\n') },
  { area: 'nested quotes', name: 'quotes and list items alternating 2000 deep', markdown: `${'> - '.repeat(2000)}end` },
  { area: 'nested quotes', name: '100 KB of ">"', markdown: '>'.repeat(100_000) },
  { area: 'long emphasis runs', name: '100 KB of "_a"', markdown: '_a'.repeat(50_000) },
  { area: 'long emphasis runs', name: '18 KB of "_a"', markdown: '_a'.repeat(9_000) },
  { area: 'long emphasis runs', name: '18 KB of "*a"', markdown: '*a'.repeat(9_000) },
  { area: 'long emphasis runs', name: '18 KB of "~a"', markdown: '~a'.repeat(9_000) },
  { area: 'long emphasis runs', name: 'emphasis nested 3000 deep', markdown: `${'*'.repeat(3000)}core${'*'.repeat(3000)}` },
  { area: 'long emphasis runs', name: 'strong, emphasis and strikethrough nested 1000 deep', markdown: `${'**_~~'.repeat(1000)}core${'~~_**'.repeat(1000)}` },
  { area: 'long emphasis runs', name: '9000 unclosed brackets', markdown: '[a'.repeat(9_000) },
  // jsdom slows down with the square of a node's children (4500 code spans took 2 to 7 s), so this one is small.
  { area: 'long emphasis runs', name: '1500 backtick pairs', markdown: '`a'.repeat(1_500) },
  { area: 'deep lists', name: '3000 "- " on one line', markdown: `${'- '.repeat(3000)}item` },
  { area: 'deep lists', name: '3000 "1. " on one line', markdown: `${'1. '.repeat(3000)}item` },
  { area: 'deep lists', name: '120 items, each indented one level deeper', markdown: Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n') },
  { area: 'deep lists', name: 'bullets of every kind alternating 2000 deep', markdown: `${'* + - '.repeat(700)}item` },
  { area: 'huge tables', name: '60 columns by 40 rows', markdown: table(60, 40) },
  { area: 'huge tables', name: 'one column, 4000 rows', markdown: table(1, 4000) },
  { area: 'huge tables', name: '3000 columns in the header alone', markdown: table(3000, 0) },
  { area: 'huge tables', name: '100 KB of table', markdown: table(100, 100) },
  { area: 'huge tables', name: 'a table within the bounds', markdown: table(4, 6, '**b** `c`') },
  { area: 'bidi', name: 'Trojan Source in a TypeScript block', markdown: `\`\`\`ts\n${TROJAN}\n\`\`\`` },
  { area: 'bidi', name: 'every bidi control in an unlabelled block', markdown: `\`\`\`\na${BIDI}b\n\`\`\`` },
  { area: 'bidi', name: 'bidi controls in inline code inside a table', markdown: `| code |\n|---|\n| \`x${BIDI}y\` |` },
  { area: 'bidi', name: 'bidi controls in a block inside a quote inside a list', markdown: `- > \`\`\`js\n  > ${TROJAN}\n  > \`\`\`` },
  { area: 'HTML payloads', name: 'a script tag', markdown: 'Hello <script>alert(1)</script> world' },
  { area: 'HTML payloads', name: 'an img onerror', markdown: '<img src=x onerror="alert(1)">' },
  { area: 'HTML payloads', name: 'svg with a script inside', markdown: '<svg><script>alert(1)</script></svg>' },
  { area: 'HTML payloads', name: 'a mutation-XSS classic', markdown: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">' },
  { area: 'HTML payloads', name: '5000 nested divs', markdown: '<div>'.repeat(5000) },
  { area: 'HTML payloads', name: 'an iframe deep inside quotes', markdown: `${'>'.repeat(40)} <iframe src="https://evil.example"></iframe>` },
  { area: 'HTML payloads', name: 'a style tag in emphasis nested 500 deep', markdown: `${'*'.repeat(500)}<style>body{display:none}</style>${'*'.repeat(500)}` },
];

/** How often each letter occurs in `text`. */
function letters(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ch of text.match(/[A-Za-z]/g) ?? []) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return counts;
}

/** The letters of `source` that `shown` has fewer of. */
function missingText(source: string, shown: string): string[] {
  const have = letters(shown);
  return [...letters(source)].filter(([ch, n]) => (have.get(ch) ?? 0) < n).map(([ch, n]) => `${ch}: ${have.get(ch) ?? 0}/${n}`);
}

// Lists take two elements a level (ul > li); code blocks, tables and the note add a few more.
const MAX_DEPTH = 2 * MAX_BLOCK_NESTING + MAX_INLINE_NESTING + 8;

for (const area of new Set(corpus.map((c) => c.area))) {
  describe(`hostile Markdown: ${area}`, () => {
    for (const { name, markdown } of corpus.filter((c) => c.area === area)) {
      it(`shows ${name} bounded, inert and whole`, () => {
        const element = document.createElement('div');
        renderMessageInto(element, markdown, render);

        const note = element.querySelector('.render-note')?.textContent ?? '';
        if (markdown.length > MAX_MARKDOWN_CHARS) assert.match(note, /longer than/);
        else assert.equal(note, '', 'the renderer failed and the message fell back to plain text');
        const fromMessage = element.cloneNode(true) as HTMLElement;
        for (const actions of fromMessage.querySelectorAll('.code-actions')) actions.remove(); // the panel's own buttons
        assert.deepEqual(dangers(fromMessage.innerHTML), []);
        const depth = nesting(element);
        assert.ok(depth <= MAX_DEPTH, `rendered ${depth} elements deep`);
        assert.deepEqual(missingText(markdown, element.textContent ?? ''), []);
        if (area === 'bidi') {
          const inCode = Array.from(element.querySelectorAll('code'), (code) => code.textContent ?? '').join('');
          const flagged = Array.from(element.querySelectorAll('code .bidi-control'), (flag) => flag.textContent).join('');
          assert.equal(flagged, inCode.replace(/[^\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, ''));
          assert.ok(flagged.length > 0);
        }
      });
    }
  });
}
