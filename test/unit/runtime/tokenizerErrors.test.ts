/**
 * @file Broken tokenizer files are named: transformers.js reports only the JSON parser's
 * complaint ("Unexpected end of JSON input"), which left the user guessing which of the model
 * folder's files to fix.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTokenizer, TokenizerFileError } from '../../../src/runtime/tokenizer';
import { TOKENIZER_DIR } from '../../support/tokenizer';

const dirs: string[] = [];

/** A copy of the real tokenizer files with `name` replaced by `text`. */
function brokenTokenizer(name: string, text: (original: string) => string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-tokenizer-'));
  dirs.push(dir);
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TOKENIZER_DIR, file), join(dir, file));
  const path = join(dir, name);
  writeFileSync(path, text(readFileSync(path, 'utf8')));
  return { dir, path };
}

const CASES: { description: string; file: string; text: (original: string) => string; says: RegExp }[] = [
  { description: 'a truncated tokenizer.json', file: 'tokenizer.json', text: (t) => t.slice(0, 1000), says: /is not valid JSON/ },
  { description: 'a tokenizer_config.json with a trailing comma', file: 'tokenizer_config.json', text: (t) => t.replace(/\}\s*$/, ',}'), says: /is not valid JSON/ },
  { description: 'an empty tokenizer.json', file: 'tokenizer.json', text: () => '', says: /is not valid JSON/ },
  { description: 'a tokenizer.json without a model', file: 'tokenizer.json', text: () => '{"version": "1.0"}', says: /cannot be loaded as a tokenizer/ },
];

describe('tokenizer file errors', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const c of CASES) {
    it(`names the file for ${c.description}`, async () => {
      const { dir, path } = brokenTokenizer(c.file, c.text);
      await assert.rejects(loadTokenizer(dir), (error: unknown) => {
        assert.ok(error instanceof TokenizerFileError, String(error));
        assert.ok(error.message.startsWith(`${path}: `), error.message);
        assert.match(error.message, c.says);
        return true;
      });
    });
  }
});
