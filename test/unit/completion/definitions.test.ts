/**
 * @file Definitions as completion context: which identifiers near the cursor are looked up, how
 * a definition's place becomes a snippet (expanded to the declaration, capped, standard library
 * and repeats dropped), and how definitions share the snippet budget with similarity snippets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTokens } from '../../../src/completion/context/budget';
import { definitionTargets, snippetBudget, snippetsFor } from '../../../src/completion/context/completionInput';
import { declarationEnd, definitionSnippets, isStandardLibrary, promptPath, type ResolvedDefinition } from '../../../src/completion/context/definitions';
import { declaredNames, nearbyIdentifiers } from '../../../src/completion/context/nearbyIdentifiers';

const FORMAT = [
  '/** Formatting helpers. */',
  '',
  'export function formatBytes(bytes: number): string {',
  "  const units = ['B', 'KB'];",
  '  return `${bytes} ${units[0]}`;',
  '}',
  '',
  'export const MAX_WIDTH = 80;',
  '',
  'export type Unit =',
  "  | 'B'",
  "  | 'KB';",
].join('\n');

const def = (over: Partial<ResolvedDefinition>): ResolvedDefinition => ({ name: 'formatBytes', path: 'src/format.ts', fileText: FORMAT, startLine: 2, endLine: 2, ...over });

describe('nearby identifiers', () => {
  it('takes names of the last lines nearest first, calls and types ahead, without keywords, built-ins, strings, comments or the word being typed', () => {
    const before = [
      'import { formatBytes } from "./format";',
      '// helper for totals',
      'export function report(queue: Queue<number>): string {',
      '  const total = sumAll(queue); // "count" of items',
      '  console.log("formatDuration here");',
      '  this.flush(Math.max(1, 2));',
      '  return formatBytes(total) + pad',
    ].join('\n');
    const ids = nearbyIdentifiers(before, { visiblePrefix: before });
    assert.deepEqual(
      ids.map((i) => i.name),
      ['formatBytes', 'flush', 'sumAll', 'Queue', 'queue'],
    );
    assert.deepEqual(ids[0], { name: 'formatBytes', line: 6, character: 9 });
    assert.deepEqual(ids[1], { name: 'flush', line: 5, character: 7 });
  });

  it('skips names the visible prefix declares, but not imported ones', () => {
    assert.deepEqual([...declaredNames('const a = 1;\nlet b;\nfunction c() {}\nx := 2\nfor (const item of list) {}\ny = 3\nimport { Z } from "z";')].sort(), ['a', 'b', 'c', 'item', 'x', 'y']);
    const before = 'const total = 1;\nconst label = render(total, Theme';
    assert.deepEqual(nearbyIdentifiers(before, { visiblePrefix: before }).map((i) => i.name), ['render']);
    assert.deepEqual(nearbyIdentifiers(before).map((i) => i.name), ['render', 'total', 'label']);
  });

  it('leaves block comments out and keeps at most `max`', () => {
    const before = '/**\n * Returns the Widget for a name.\n */\nfunction build(a: Alpha, b: Beta, c: Gamma) {\n  ';
    assert.deepEqual(nearbyIdentifiers(before).map((i) => i.name), ['Gamma', 'Beta', 'Alpha', 'build']);
    assert.equal(nearbyIdentifiers(before, { max: 2 }).length, 2);
  });

  it('finds the targets of a cursor through the completion input, with the prompt\'s visible prefix', () => {
    const before = 'import { Queue } from "./queue";\nconst q = new Queue<number>();\nq.push(';
    assert.deepEqual(definitionTargets(before, 1536).map((i) => i.name), ['push', 'Queue']);
  });
});

describe('definition snippets', () => {
  it('expands a name to its declaration: balanced brackets, a continued type, a single line, an indented block', () => {
    const lines = FORMAT.split('\n');
    assert.equal(declarationEnd(lines, 2, 20), 5);
    assert.equal(declarationEnd(lines, 7, 20), 7);
    assert.equal(declarationEnd(lines, 9, 20), 10);
    assert.equal(declarationEnd(lines, 2, 3), 4);
    const python = 'class Point:\n    def __init__(self, x: int) -> None:\n        self.x = x\n\n    def norm(self):\n        return abs(self.x)\n\nORIGIN = Point(0)'.split('\n');
    assert.equal(declarationEnd(python, 0, 20), 5);
    assert.equal(declarationEnd(python, 1, 20), 2);
  });

  it('cuts each definition once, capped, and names files outside the workspace by their package', () => {
    const snippets = definitionSnippets(
      [
        def({}),
        def({ name: 'formatBytes', startLine: 3, endLine: 3 }),
        def({ name: 'MAX_WIDTH', startLine: 7, endLine: 7 }),
        def({ name: 'Promise', path: '/usr/lib/node_modules/typescript/lib/lib.es2015.promise.d.ts' }),
        def({ name: 'AccountInfo', path: '../node_modules/@azure/msal-common/types/account/AccountInfo.d.ts', startLine: 0, endLine: 11 }),
      ],
      { budgetTokens: 1000, maxLines: 3 },
    );
    assert.deepEqual(snippets, [
      { path: 'src/format.ts', text: 'export function formatBytes(bytes: number): string {\n  const units = [\'B\', \'KB\'];\n  return `${bytes} ${units[0]}`;', startLine: 2, endLine: 4 },
      { path: 'src/format.ts', text: 'export const MAX_WIDTH = 80;', startLine: 7, endLine: 7 },
      { path: 'node_modules/@azure/msal-common/types/account/AccountInfo.d.ts', text: '/** Formatting helpers. */\n\nexport function formatBytes(bytes: number): string {', startLine: 0, endLine: 2 },
    ]);
    assert.equal(isStandardLibrary('C:\\code\\node_modules\\typescript\\lib\\lib.dom.d.ts'), true);
    assert.equal(isStandardLibrary('node_modules/@types/node/fs.d.ts'), false);
    assert.equal(promptPath('src\\a.ts'), 'src/a.ts');
    assert.equal(promptPath('/opt/elsewhere/b.py'), 'b.py');
  });

  it('drops a definition the visible prefix already holds, and stops at the budget', () => {
    const visible = 'export const MAX_WIDTH = 80;\nconst w = MAX_WIDTH';
    assert.deepEqual(definitionSnippets([def({ startLine: 7, endLine: 7 })], { budgetTokens: 1000, visiblePrefix: visible }), []);
    const first = definitionSnippets([def({})], { budgetTokens: 1000 })[0]!;
    const cost = estimateTokens(`<file_sep>${first.path}\n${first.text}`);
    assert.equal(definitionSnippets([def({}), def({ startLine: 7, endLine: 7 })], { budgetTokens: cost, maxTokens: cost }).length, 1);
    const capped = definitionSnippets([def({})], { budgetTokens: 1000, maxTokens: 20 })[0]!;
    assert.equal(capped.text, 'export function formatBytes(bytes: number): string {');
  });
});

describe('snippets with definitions', () => {
  const other = Array.from({ length: 30 }, (_, i) => `export const bytesPerUnit${i} = formatBytes(${i} * total);`).join('\n');
  const candidates = [
    { path: 'src/format.ts', source: 'open' as const, text: FORMAT },
    { path: 'src/other.ts', source: 'open' as const, text: other },
  ];
  const before = 'import { formatBytes } from "./format";\nconst total = 3;\nconst label = formatBytes(total';

  it('puts the definitions last, drops similarity windows that repeat them, and keeps within the one budget', () => {
    const plain = snippetsFor(before, candidates, 1536);
    assert.ok(plain.some((s) => s.path === 'src/format.ts'));
    const withDefs = snippetsFor(before, candidates, 1536, [def({})]);
    assert.deepEqual(withDefs.at(-1), { path: 'src/format.ts', text: FORMAT.split('\n').slice(2, 6).join('\n'), kind: 'definition' });
    assert.deepEqual(withDefs.filter((s) => s.path === 'src/format.ts').length, 1);
    assert.ok(withDefs.some((s) => s.path === 'src/other.ts' && s.kind === undefined));
    const used = withDefs.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
    assert.ok(used <= snippetBudget(1536), `used ${used} of ${snippetBudget(1536)}`);
  });

  it('with a share of 0, adds definitions only in what the similarity snippets leave; works without other files', () => {
    const plain = snippetsFor(before, candidates, 1536);
    const filling = snippetsFor(before, candidates, 1536, [def({}), def({ name: 'MAX_WIDTH', startLine: 7, endLine: 7 })], 0);
    assert.deepEqual(filling.filter((s) => s.kind === undefined), plain);
    const used = filling.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
    assert.ok(used <= snippetBudget(1536), `used ${used}`);
    // The window of src/format.ts already holds both declarations.
    assert.ok(plain.some((s) => s.path === 'src/format.ts' && s.text.includes('export const MAX_WIDTH = 80;')));
    assert.deepEqual(filling.filter((s) => s.kind === 'definition'), []);
    assert.deepEqual(snippetsFor(before, [], 1536, [def({})], 0).map((s) => s.kind), ['definition']);
    assert.deepEqual(snippetsFor(before, [], 1536, []), []);
  });
});
