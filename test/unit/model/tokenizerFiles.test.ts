import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultTokenizerDir, shippedTokenizerDir } from '../../../src/model/tokenizerFiles';

describe('the shipped tokenizer', () => {
  const root = mkdtempSync(join(tmpdir(), 'smolcode-tokfiles-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  function folderWithTokenizer(...parts: string[]): string {
    const dir = join(root, ...parts);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    return dir;
  }

  it('is the tokenizer/ folder beside the running bundle', () => {
    const dist = join(root, 'installed', 'dist');
    folderWithTokenizer('installed', 'dist', 'tokenizer');
    assert.equal(shippedTokenizerDir(dist), join(dist, 'tokenizer'));
  });

  it("from source, is the build's dist/tokenizer, else ../shared/smollm2-tokenizer beside the project", () => {
    const project = join(root, 'checkout');
    mkdirSync(join(project, 'src', 'model'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    const shared = folderWithTokenizer('shared', 'smollm2-tokenizer');
    assert.equal(shippedTokenizerDir(join(project, 'src', 'model')), shared);
    const built = folderWithTokenizer('checkout', 'dist', 'tokenizer');
    assert.equal(shippedTokenizerDir(join(project, 'src', 'model')), built);
  });

  it('is undefined where none exists, and SMOLCODE_TOKENIZER_DIR wins over it', () => {
    const lonely = join(root, 'elsewhere', 'lonely');
    mkdirSync(lonely, { recursive: true });
    writeFileSync(join(lonely, 'package.json'), '{}');
    assert.equal(shippedTokenizerDir(lonely), undefined);
    assert.equal(defaultTokenizerDir({ SMOLCODE_TOKENIZER_DIR: lonely }), lonely);
  });
});
