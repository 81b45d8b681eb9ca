/**
 * @file Publishing a folder written under a temporary name: whole into a new place, file by
 * file into an existing folder (keeping its other files), data before graphs and config last.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publishStagedFolder } from '../../../src/runtime/stagedFolder';

const root = mkdtempSync(join(tmpdir(), 'smolcode-staged-'));
after(() => rmSync(root, { recursive: true, force: true }));

function stage(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

const MERGED = { 'config.json': 'new config', 'tokenizer.json': 'tok', 'onnx/model.onnx': 'graph', 'onnx/model.onnx_data': 'data' };

describe('publishing a staged folder', () => {
  it('renames it whole to a new folder, listing data, graphs, other files, then config.json', () => {
    const staging = stage('.new.partial-1', MERGED);
    const out = join(root, 'sub', 'new');
    assert.deepEqual(publishStagedFolder(staging, out), [join('onnx', 'model.onnx_data'), join('onnx', 'model.onnx'), 'tokenizer.json', 'config.json']);
    assert.equal(existsSync(staging), false);
    assert.equal(readFileSync(join(out, 'onnx', 'model.onnx'), 'utf8'), 'graph');
  });

  it('moves its files into an existing folder, replacing those of the same name and keeping the rest', () => {
    const out = stage('adapter', { 'adapter_config.json': 'peft', 'config.json': 'old config' });
    const staging = stage('.adapter.partial-1', MERGED);
    publishStagedFolder(staging, out);
    assert.deepEqual(readdirSync(out, { recursive: true, encoding: 'utf8' }).sort(), ['adapter_config.json', 'config.json', 'onnx', 'onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json']);
    assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), 'new config');
    assert.equal(readFileSync(join(out, 'adapter_config.json'), 'utf8'), 'peft');
  });
});
