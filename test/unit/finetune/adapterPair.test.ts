/**
 * @file An adapter's two files are written as a pair: when writing the second one fails (or the
 * process dies), the folder keeps the previous pair, never new weights beside the old config
 * (whose rank may differ), and no temporary file is left.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, loadAdapter, saveAdapter, type Adapter } from '../../../src/finetune/adapter';
import { initLoraWeights, loraModules, type LoraConfig } from '../../../src/model/lora';
import { tinyConfig } from '../../support/tinyModel';

const config = tinyConfig({ vocabSize: 128 });
const dir = mkdtempSync(join(tmpdir(), 'smolcode-adapter-pair-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function adapter(rank: number, seed: number): Adapter {
  const lora: LoraConfig = { rank, alpha: 2 * rank, targets: ['q_proj', 'v_proj'], useRslora: false };
  return { lora, baseModel: 'base', weights: initLoraWeights(loraModules(config, lora), seed) };
}

describe('saving an adapter over another', () => {
  it('keeps the previous pair when the config cannot be written', () => {
    const old = adapter(4, 1);
    saveAdapter(dir, old);
    const oldBytes = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].map((f) => readFileSync(join(dir, f)));
    // The config's temporary name leads nowhere, so writing it fails after the weights were written.
    symlinkSync(join(dir, 'missing', 'folder'), join(dir, `${ADAPTER_CONFIG_FILE}.tmp-${process.pid}`));

    assert.throws(() => saveAdapter(dir, adapter(2, 7)), { code: 'ENOENT' });
    assert.deepEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].map((f) => readFileSync(join(dir, f))), oldBytes);
    const loaded = loadAdapter(dir, config);
    assert.equal(loaded.lora.rank, 4);
    assert.deepEqual([...loaded.weights.keys()].sort(), [...old.weights.keys()].sort());
    assert.deepEqual(readdirSync(dir).sort(), [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
  });

  it('replaces both files when nothing fails', () => {
    saveAdapter(dir, adapter(2, 7));
    assert.equal(loadAdapter(dir, config).lora.rank, 2);
    assert.deepEqual(readdirSync(dir).sort(), [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
  });
});
