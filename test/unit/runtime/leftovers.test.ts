/**
 * @file The startup sweep of temporary names: entries of dead processes go, those of running
 * ones and everything not named like ours stay.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isProcessAlive, partialPath, removeLeftovers, removeModelFolderLeftovers, tempPath } from '../../../src/runtime/leftovers';
import { deadPid } from '../../support/processes';

const root = mkdtempSync(join(tmpdir(), 'smolcode-leftovers-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('leftovers of interrupted writes', () => {
  it('names temporary entries after this process', () => {
    assert.equal(partialPath('/m/fused-q4'), `/m/fused-q4.partial-${process.pid}`);
    assert.equal(tempPath('/m/a.json'), `/m/a.json.tmp-${process.pid}`);
  });

  it('tells running processes from exited ones', () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(deadPid()), false);
    assert.equal(isProcessAlive(0), false);
  });

  it('removes the entries of dead processes at any depth and keeps the rest', () => {
    const dir = folder('sweep');
    const dead = deadPid();
    const gone = [
      join(dir, `fused-q4-gqa-0123.partial-${dead}`),
      join(dir, 'models', 'a', 'main', `onnx`, '.optimized', `fused-fp32-matmul-abcd.partial-${dead}`),
      join(dir, 'adapters', 'x', `adapter_model.safetensors.tmp-${dead}`),
    ];
    const kept = [
      join(dir, `mine.partial-${process.pid}`),
      join(dir, `parent.partial-${process.ppid}`),
      join(dir, 'onnx', 'model.onnx'),
      join(dir, 'onnx', 'model.onnx.part'),
      join(dir, 'notes.tmp-abc'),
      join(dir, `tmp-${dead}`),
    ];
    for (const path of [...gone, ...kept]) {
      mkdirSync(join(path, '..'), { recursive: true });
      if (path.includes('.partial-')) mkdirSync(path, { recursive: true });
      else writeFileSync(path, 'x');
    }
    writeFileSync(join(gone[0], 'model_q4_fused.onnx'), Buffer.alloc(1000));

    assert.deepEqual(removeLeftovers(dir).sort(), [...gone].sort());
    for (const path of gone) assert.equal(existsSync(path), false, path);
    for (const path of kept) assert.equal(existsSync(path), true, path);
  });

  it('removes an entry of a running process once it is a day old (the pid was reused)', () => {
    const dir = folder('old');
    const stale = join(dir, `x.tmp-${process.ppid}`);
    writeFileSync(stale, 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    assert.deepEqual(removeLeftovers(dir), [stale]);
  });

  it('sweeps a model folder and only its own merge folder beside it', () => {
    const dir = folder('parent/adapter');
    const dead = deadPid();
    const own = folder(`parent/.adapter.partial-${dead}`);
    const other = folder(`parent/.other.partial-${dead}`);
    const inside = join(dir, `adapter_config.json.tmp-${dead}`);
    writeFileSync(inside, '{');
    assert.deepEqual(removeModelFolderLeftovers(dir).sort(), [inside, own].sort());
    assert.equal(existsSync(other), true);
  });
});
