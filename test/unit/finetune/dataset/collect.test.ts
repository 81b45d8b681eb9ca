import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listCandidates } from '../../../../src/finetune/dataset/collect';

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
