import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTokens, prefixWindow } from '../../../src/completion/context/budget';
import { selectSnippets } from '../../../src/completion/context/snippets';
import { jaccard, wordSet } from '../../../src/completion/context/similarity';

describe('completion context', () => {
  it('measures similarity over identifier words', () => {
    assert.deepEqual([...wordSet('const cartTotal = cart.items.length; x')].sort(), ['cart', 'cartTotal', 'const', 'items', 'length']);
    assert.equal(jaccard(new Set(['a1', 'b1']), new Set(['b1', 'c1'])), 1 / 3);
    assert.equal(jaccard(new Set(), new Set()), 0);
  });

  it('ranks snippets by similarity, drops unrelated ones and near-duplicates, and orders them stably', () => {
    const cursor = 'const total = cart.items.reduce((sum, item) => sum + item.price, 0);';
    const candidates = [
      { path: 'src/zeta.ts', source: 'open' as const, text: 'export function renderLogo(svg: string) {\n  return svg.trim();\n}' },
      { path: 'src/cart.ts', source: 'open' as const, text: 'export class Cart {\n  items: Item[] = [];\n  total() {\n    return this.items.reduce((sum, item) => sum + item.price, 0);\n  }\n}' },
      { path: 'src/copy/cart.ts', source: 'viewed' as const, text: 'export class Cart {\n  items: Item[] = [];\n  total() {\n    return this.items.reduce((sum, item) => sum + item.price, 0);\n  }\n}' },
      { path: 'src/item.ts', source: 'edited' as const, text: 'export interface Item {\n  name: string;\n  price: number;\n}' },
    ];
    const chosen = selectSnippets(candidates, cursor, { budgetTokens: 1000 });
    assert.deepEqual(chosen.map((s) => s.path), ['src/item.ts', 'src/cart.ts']);
  });

  it('keeps within the token budget', () => {
    const text = Array.from({ length: 200 }, (_, i) => `const value${i} = item.price * ${i};`).join('\n');
    const chosen = selectSnippets([{ path: 'big.ts', source: 'open', text }], 'item.price value1 value2 const', { budgetTokens: 600 });
    const used = chosen.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
    assert.ok(chosen.length >= 1 && used <= 600, `used ${used}`);
    assert.equal(selectSnippets([{ path: 'big.ts', source: 'open', text }], 'item.price value1', { budgetTokens: 100 }).length, 0);
  });

  it('cuts the prefix at an anchored line that moves in steps, so the start stays put while typing', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} of the file`).join('\n');
    const first = prefixWindow(`${lines}\nconst a`, 500);
    const second = prefixWindow(`${lines}\nconst ab`, 500);
    assert.ok(estimateTokens(first) <= 500);
    assert.equal(first.split('\n')[0], second.split('\n')[0]);
    assert.match(first.split('\n')[0] as string, /^line \d+ of the file$/);
    assert.equal(Number(/line (\d+)/.exec(first)?.[1]) % 32, 0);
    assert.equal(prefixWindow('short', 500), 'short');
  });
});
