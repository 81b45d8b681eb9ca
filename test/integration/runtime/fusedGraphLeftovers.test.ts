/**
 * @file The temporary folder of a fused-graph build killed midway (209 MB for 135M, about
 * 1.5 GB for 1.7B) used to survive forever; the next lookup of the cache removes it, but not
 * the build of a process that is still running.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedFusedGraph } from '../../../src/runtime/fusedGraphCache';
import { deadPid } from '../../support/processes';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

describe('fused-graph builds interrupted earlier', () => {
  let model: TempModel;
  let cacheDir: string;
  before(() => {
    model = makeTempModel();
    cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-fused-leftovers-'));
  });
  after(() => {
    model.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('are removed by the next lookup, while a running build elsewhere is kept', () => {
    const killed = join(cacheDir, `fused-fp32-matmul-0123456789abcdef.partial-${deadPid()}`);
    const running = join(cacheDir, `fused-fp32-gqa-0123456789abcdef.partial-${process.ppid}`);
    for (const dir of [killed, running]) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'model_fused.onnx'), Buffer.alloc(4096));
    }
    const built = cachedFusedGraph(model.dir, 'fp32', 'matmul', cacheDir);
    assert.ok(built.path, 'reason' in built ? built.reason : '');
    assert.equal(existsSync(killed), false);
    assert.equal(existsSync(running), true);
    assert.deepEqual(readdirSync(cacheDir).sort(), [basename(dirname(built.path)), basename(running)].sort());
  });
});
