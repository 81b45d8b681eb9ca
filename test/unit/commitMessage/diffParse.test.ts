import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDiff, summaryKindOf } from '../../../src/commitMessage/diffParse';
import { ADDED, BINARY, LOCK, MODIFIED, RENAMED } from './diffs';

describe('parsing a git diff into files and hunks', () => {
  it('splits a modified file into its header and hunks and counts added and removed lines', () => {
    const [file, ...rest] = parseDiff(MODIFIED);
    assert.equal(rest.length, 0);
    assert.equal(file.path, 'src/math.ts');
    assert.equal(file.header, 'diff --git a/src/math.ts b/src/math.ts\n', 'index and ---/+++ lines are dropped');
    assert.equal(file.hunks.length, 2);
    assert.ok(file.hunks[0].startsWith('@@ -1,4 +1,9 @@\n /** Adds two numbers. */\n'));
    assert.equal(file.hunks[1], '@@ -20,3 +25,3 @@ export function mul(a: number, b: number): number {\n-  return a * b\n+  return a * b;\n }\n');
    assert.equal(file.added, 6);
    assert.equal(file.removed, 1);
    assert.equal(file.summary, undefined);
  });

  it('reads several files, keeps new-file and rename lines, and takes paths with spaces from the header', () => {
    const files = parseDiff(MODIFIED + ADDED + RENAMED);
    assert.deepEqual(files.map((file) => file.path), ['src/math.ts', 'docs/usage.md', 'new name.py']);
    assert.equal(files[1].header, 'diff --git a/docs/usage.md b/docs/usage.md\nnew file mode 100644\n');
    assert.deepEqual([files[1].added, files[1].removed], [2, 0]);
    assert.equal(files[2].header, 'diff --git a/old name.py b/new name.py\nrename from old name.py\nrename to new name.py\n');
    assert.deepEqual(files[2].hunks, []);
  });

  it('takes the old path of a deleted file', () => {
    const deleted = 'diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\nindex e69de29..0000000\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n';
    const [file] = parseDiff(deleted);
    assert.equal(file.path, 'gone.txt');
    assert.deepEqual([file.added, file.removed], [0, 1]);
  });

  it('marks binaries, lock files and generated files for a summary', () => {
    const files = parseDiff(BINARY + LOCK);
    assert.deepEqual(files.map((file) => [file.path, file.summary]), [['media/logo.png', 'binary'], ['package-lock.json', 'lock file']]);
    assert.equal(summaryKindOf('dist/extension.cjs', false), 'generated');
    assert.equal(summaryKindOf('web/app.min.js', false), 'generated');
    assert.equal(summaryKindOf('sub/dir/Cargo.lock', false), 'lock file');
    assert.equal(summaryKindOf('src/distance.ts', false), undefined);
  });

  it('ignores text before the first file and reads CRLF output', () => {
    const files = parseDiff('warning: something\r\n' + ADDED.replace(/\n/g, '\r\n'));
    assert.equal(files.length, 1);
    assert.equal(files[0].hunks[0], '@@ -0,0 +1,2 @@\n+# Usage\n+Call add(1, 2).\n');
  });

  it('gives no files for an empty diff', () => {
    assert.deepEqual(parseDiff(''), []);
    assert.deepEqual(parseDiff('\n'), []);
  });
});
