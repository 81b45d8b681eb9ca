import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listCandidates, type Candidate } from '../../../../src/finetune/dataset/collect';
import { makeFolderPastPathLimit, removeTree } from '../../../support/hostileTrees';

const FILES: Record<string, string> = {
  '.gitignore': '*.log\n/out-of-tree/\n',
  '.smolcodeignore': 'drafts/\n',
  'a.ts': '',
  'debug.log': '',
  'drafts/idea.md': '',
  'lib/.gitignore': 'generated.ts\n',
  'lib/generated.ts': '',
  'lib/kept.ts': '',
  'node_modules/x/index.js': '',
  'out-of-tree/x.ts': '',
  'z/deep/b.py': '',
};

describe('listing the workspace without git', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'smolcode-collect-'));
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('applies nested .gitignore files and .smolcodeignore, and skips vendored folders whole, in sorted order', async () => {
    const { source, candidates } = await listCandidates(root);
    assert.equal(source, 'walk');
    const listed: string[] = [];
    for await (const c of candidates) listed.push(`${c.kind === 'file' ? '' : '[vendored] '}${c.path}`);
    assert.deepEqual(listed, ['.gitignore', '.smolcodeignore', 'a.ts', 'lib/.gitignore', 'lib/kept.ts', '[vendored] node_modules/', 'z/deep/b.py']);
  });
});

describe('listing a tree with a folder nested past the OS path limit', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'smolcode-collect-deep-'));
    await writeFile(join(root, 'a.py'), '');
    makeFolderPastPathLimit(root, 'deep');
  });
  after(() => removeTree(root));

  it('lists the folder it cannot open as unreadable, with the error code, and goes on', async () => {
    const { candidates } = await listCandidates(root);
    const listed: Candidate[] = [];
    for await (const c of candidates) listed.push(c);
    const unreadable = listed.filter((c) => c.kind === 'unreadable-dir');
    assert.equal(unreadable.length, 1);
    assert.equal(unreadable[0]?.code, 'ENAMETOOLONG');
    assert.ok(unreadable[0]?.path.startsWith('deep/d'));
    assert.ok(listed.some((c) => c.path === 'a.py'));
  });
});
