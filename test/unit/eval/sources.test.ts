/**
 * @file The texts `smolcode eval bpb` scores: source files of folders (vendored folders,
 * unknown extensions, binary, non-UTF-8 and huge files left out), named files whatever their
 * extension, and the per-language byte cap cutting at a line break.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectSources, languageLabel } from '../../../src/eval/sources';

describe('collectSources', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'smolcode-eval-sources-'));
    const write = (path: string, content: string | Uint8Array) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    };
    write('code/a.py', 'x = 1\ny = 2\n');
    write('code/b.py', 'z = 3\n');
    write('code/lib.h', 'int f(void);\n');
    write('code/notes.txt', 'not code\n');
    write('code/node_modules/dep/index.js', 'module.exports = 1;\n');
    write('code/blob.c', Uint8Array.from([105, 110, 116, 0, 10]));
    write('code/latin1.c', Uint8Array.from([47, 47, 32, 0xe9, 10]));
    write('code/huge.py', `${'# padding\n'.repeat(200)}`);
    write('code/empty.py', '');
    write('README', 'named explicitly, so scored\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('walks folders for source files and takes named files as they are', async () => {
    const { texts, skipped } = await collectSources([join(root, 'code'), join(root, 'README')], { maxFileBytes: 1000 });
    assert.deepEqual(
      texts.map((t) => [t.path.slice(root.length + 1), t.language, t.text]),
      [
        ['code/a.py', 'Python', 'x = 1\ny = 2\n'],
        ['code/b.py', 'Python', 'z = 3\n'],
        ['code/lib.h', 'C', 'int f(void);\n'],
        ['README', 'other', 'named explicitly, so scored\n'],
      ],
    );
    assert.deepEqual(
      skipped.map((s) => [s.path.slice(root.length + 1), s.reason]),
      [
        ['code/blob.c', 'binary'],
        ['code/empty.py', 'empty'],
        ['code/huge.py', '2000 bytes > 1000'],
        ['code/latin1.c', 'not UTF-8'],
      ],
    );
  });

  it('caps the bytes of each language, cutting the file that crosses the cap at a line break', async () => {
    const nine = await collectSources([join(root, 'code')], { maxBytesPerLanguage: 9 });
    assert.deepEqual(nine.texts.map((t) => [t.path.slice(root.length + 1), t.text]), [['code/a.py', 'x = 1\n']]);
    const reasons = new Map(nine.skipped.map((s) => [s.path.slice(root.length + 1), s.reason]));
    assert.equal(reasons.get('code/b.py'), "no whole line fits the 3 bytes left of the language's cap");
    assert.equal(reasons.get('code/lib.h'), "no whole line fits the 9 bytes left of the language's cap");

    const six = await collectSources([join(root, 'code')], { maxBytesPerLanguage: 6 });
    assert.deepEqual(six.texts.map((t) => t.text), ['x = 1\n']);
    assert.equal(six.skipped.find((s) => s.path.endsWith('b.py'))?.reason, 'the Python cap is reached');
  });

  it('names a path that does not exist', async () => {
    await assert.rejects(collectSources([join(root, 'missing')]), /missing: no such file or folder/);
  });

  it('labels files by language, else extension', () => {
    assert.equal(languageLabel('x/y.ts'), 'TypeScript');
    assert.equal(languageLabel('x/y.txt'), '.txt');
    assert.equal(languageLabel('Makefile'), 'other');
  });
});
