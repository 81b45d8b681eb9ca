/**
 * @file A merge killed midway: it used to leave a truncated `onnx/model.onnx` beside
 * `config.json`, and every load failed until the file was deleted by hand. The merge now
 * writes into a temporary folder beside its output and publishes it only when complete; a
 * child process that kills itself right after the first graph is written must leave the output
 * exactly as it was (or absent), and the next start removes the temporary folder.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveAdapter } from '../../../src/finetune/adapter';
import { fusedVariantFile } from '../../../src/model/configTypes';
import { cudaProviderInstalled, fusedAttentionFor } from '../../../src/runtime/providers';
import { mergeAdapter } from '../../../src/finetune/merge';
import { initLoraWeights, loraModules, type LoraConfig } from '../../../src/model/lora';
import { removeModelFolderLeftovers } from '../../../src/runtime/leftovers';
import { runSnippet, sourcePath } from '../../support/processes';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const LORA: LoraConfig = { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj'], useRslora: false };

/** Every file below `dir` with a hash of its bytes, to compare a folder before and after. */
function snapshot(dir: string): Map<string, string> {
  const entries = readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile());
  return new Map(entries.map((e) => [join(e.parentPath, e.name), createHash('sha256').update(readFileSync(join(e.parentPath, e.name))).digest('hex')]));
}

/** Runs a merge in a child that kills itself (SIGKILL) as soon as the first graph is written. */
function mergeAndDie(modelDir: string, adapterDir: string, outDir?: string) {
  return runSnippet(`
    import { mergeAdapter } from ${JSON.stringify(sourcePath('src/finetune/merge.ts'))};
    mergeAdapter({ modelDir: ${JSON.stringify(modelDir)}, adapterDir: ${JSON.stringify(adapterDir)}, outDir: ${JSON.stringify(outDir)},
      variants: ['fp32', 'fp16'], onWritten: () => process.kill(process.pid, 'SIGKILL') });
    console.log('merge finished');`);
}

describe('a merge killed midway', () => {
  let model: TempModel;
  let root: string;
  let adapterDir: string;
  before(() => {
    model = makeTempModel();
    root = mkdtempSync(join(tmpdir(), 'smolcode-merge-kill-'));
    adapterDir = join(root, 'adapter');
    mkdirSync(adapterDir);
    saveAdapter(adapterDir, { lora: LORA, baseModel: model.dir, weights: initLoraWeights(loraModules(model.config, LORA), 5) });
  });
  after(() => {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves the adapter folder unchanged, and the next start removes its temporary folder', async () => {
    const before = snapshot(adapterDir);
    const result = await mergeAndDie(model.dir, adapterDir);
    assert.equal(result.signal, 'SIGKILL', result.stderr || result.stdout);
    assert.deepEqual(snapshot(adapterDir), before);
    assert.deepEqual(readdirSync(adapterDir).sort(), ['adapter_config.json', 'adapter_model.safetensors']);

    const staging = readdirSync(root).filter((name) => name.startsWith('.adapter.partial-'));
    assert.equal(staging.length, 1, 'the killed merge left its temporary folder');
    assert.deepEqual(removeModelFolderLeftovers(adapterDir), [join(root, staging[0])]);
    assert.deepEqual(readdirSync(root), ['adapter']);
  });

  it('leaves a new output folder absent', async () => {
    const outDir = join(root, 'merged');
    const result = await mergeAndDie(model.dir, adapterDir, outDir);
    assert.equal(result.signal, 'SIGKILL', result.stderr || result.stdout);
    assert.equal(existsSync(outDir), false);
    assert.deepEqual(removeModelFolderLeftovers(outDir).map((path) => path.startsWith(join(root, '.merged.partial-'))), [true]);
  });

  it('completes into the adapter folder when not interrupted, leaving no temporary folder', () => {
    const written = mergeAdapter({ modelDir: model.dir, adapterDir, variants: ['fp32', 'fp16'] });
    assert.deepEqual(written.map((w) => w.path), [join(adapterDir, 'onnx', 'model.onnx'), join(adapterDir, 'onnx', fusedVariantFile('fp32', fusedAttentionFor('auto', process.platform, cudaProviderInstalled()))), join(adapterDir, 'onnx', 'model_fp16.onnx')]);
    for (const w of written) assert.ok(existsSync(w.path), w.path);
    assert.ok(existsSync(join(adapterDir, 'config.json')));
    assert.deepEqual(readdirSync(root).filter((name) => name.includes('.partial-')), []);
  });
});

