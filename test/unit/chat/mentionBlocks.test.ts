import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffItem, looksBinary, problemLine, problemsItem, splitDiff, type Problem } from '../../../src/chat/mentionBlocks';

const trailingComma: Problem = { severity: 'error', line: 2, column: 14, message: 'Trailing comma', source: 'json', code: '519' };
const duplicate: Problem = { severity: 'warning', line: 1, column: 2, message: 'Duplicate object key' };
const hint: Problem = { severity: 'hint', line: 0, column: 0, message: 'Unused\n  value', source: 'ts' };

function fileDiff(path: string, body: string): string {
  return `diff --git a/${path} b/${path}\nindex 1..2 100644\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n${body}\n`;
}

describe('problems as context', () => {
  it('lists problems most severe first, then by line, with source and code', () => {
    const item = problemsItem('mention-problems-1', 'src/data.json', [hint, trailingComma, duplicate]);
    assert.deepEqual(item.chip, { id: 'mention-problems-1', kind: 'problems', label: 'data.json', detail: '3 problems' });
    assert.equal(
      item.block,
      'Problems VS Code reports in `src/data.json`:\n' +
        '- Error at line 3, column 15 (json 519): Trailing comma\n' +
        '- Warning at line 2, column 3: Duplicate object key\n' +
        '- Hint at line 1, column 1 (ts): Unused value',
    );
  });

  it('says so when the file has no problems', () => {
    const item = problemsItem('p', 'a.ts', []);
    assert.equal(item.chip.detail, 'no problems');
    assert.equal(item.block, '(VS Code reports no problems (errors or warnings) in `a.ts`.)');
  });

  it('keeps as many problems as fit the budget and counts the rest', () => {
    const many = Array.from({ length: 10 }, (_, i): Problem => ({ severity: 'error', line: i, column: 0, message: `problem number ${i}` }));
    const lineSize = problemLine(many[0]).length + 1;
    const title = 'Problems VS Code reports in `a.ts`:'.length;
    const item = problemsItem('p', 'a.ts', many, title + 3 * lineSize);
    const lines = item.block.split('\n');
    assert.equal(lines.length, 1 + 3 + 1);
    assert.equal(lines[3], '- Error at line 3, column 1: problem number 2');
    assert.equal(lines[4], '(7 more problems left out to fit the context budget.)');
    assert.equal(item.chip.detail, '3 problems of 10');
  });
});

describe('diff as context', () => {
  it('splits a diff into files by their headers', () => {
    const files = splitDiff(fileDiff('a.ts', '-x\n+y') + fileDiff('dir/b.ts', '+z'));
    assert.deepEqual(files.map((f) => f.path), ['a.ts', 'dir/b.ts']);
    assert.ok(files[1].text.startsWith('diff --git a/dir/b.ts'));
  });

  it('fences the whole diff when it fits', () => {
    const diff = fileDiff('a.ts', '-x\n+y');
    const item = diffItem('d', diff);
    assert.deepEqual(item.chip, { id: 'd', kind: 'diff', label: 'diff', detail: '1 file' });
    assert.equal(item.block, `Uncommitted changes in the working tree (git diff against HEAD):\n\`\`\`diff\n${diff.trimEnd()}\n\`\`\``);
  });

  it('leaves out whole files past the budget and names them', () => {
    const a = fileDiff('a.ts', '+' + 'a'.repeat(50));
    const item = diffItem('d', a + fileDiff('b.ts', '+' + 'b'.repeat(50)) + fileDiff('c.ts', '+c'), a.length + 10);
    assert.ok(item.block.includes('+' + 'a'.repeat(50)));
    assert.ok(!item.block.includes('bbbb'));
    assert.ok(!item.block.includes('+c\n'), 'a later small file is left out too, keeping the files in order');
    assert.ok(item.block.endsWith('Left out to fit the context budget: the changes to `b.ts`, `c.ts`.'));
    assert.equal(item.chip.detail, '1 of 3 files');
  });

  it('cuts a first file that alone is too long at a line end', () => {
    const body = Array.from({ length: 100 }, (_, i) => `+line ${i}`).join('\n');
    const item = diffItem('d', fileDiff('big.ts', body), 200);
    const fenced = item.block.split('```')[1];
    assert.ok(fenced.length <= 200 + 'diff\n\n'.length);
    assert.match(fenced, /\+line \d+\n$/);
    assert.ok(item.block.includes('The diff of `big.ts` is cut short to fit the context budget.'));
    assert.equal(item.chip.detail, '1 of 1 file, cut short');
  });

  it('says so when there are no changes', () => {
    const item = diffItem('d', '');
    assert.equal(item.chip.detail, 'no changes');
    assert.equal(item.block, '(The working tree has no uncommitted changes.)');
  });
});

describe('looksBinary', () => {
  it('finds a NUL byte in the first 8,000 bytes only', () => {
    assert.equal(looksBinary(new TextEncoder().encode('plain text\n')), false);
    assert.equal(looksBinary(Uint8Array.of(0x89, 0x50, 0x00, 0x47)), true);
    const late = new Uint8Array(9000).fill(65);
    late[8500] = 0;
    assert.equal(looksBinary(late), false);
  });
});
