import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkByTokens, repoHeader } from '../../../../../src/finetune/dataset/samples/repoFormat';

// One token per character: exact and easy to reason about.
const count = (text: string) => text.length;

describe('repository format chunks', () => {
  it('writes the StarCoder2 header', () => assert.equal(repoHeader('app', 'src/a.ts'), '<repo_name>app<file_sep>src/a.ts\n'));

  it('keeps a file that fits in one chunk', () => assert.deepEqual(chunkByTokens('a\nb\n', 10, count), ['a\nb\n']));

  it('cuts on line boundaries within the budget, and the chunks rebuild the file', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join('');
    const chunks = chunkByTokens(text, 40, count);
    assert.ok(chunks.length > 1);
    assert.equal(chunks.join(''), text);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 40);
      assert.ok(chunk.endsWith('\n'));
    }
  });

  it('cuts inside a line that alone is over the budget', () => {
    const text = `short\n${'x'.repeat(95)}\nend\n`;
    const chunks = chunkByTokens(text, 30, count);
    assert.equal(chunks.join(''), text);
    for (const chunk of chunks) assert.ok(chunk.length <= 30);
    assert.throws(() => chunkByTokens(text, 0, count), /budget must be a positive integer, got 0/);
  });
});
