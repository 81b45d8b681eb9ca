/**
 * @file PEFT adapter files: saving and loading is lossless, the config carries PEFT's keys, and
 * malformed or unsupported adapters fail with errors that name the file and the problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigJson, loadAdapter, saveAdapter, type Adapter } from '../../../src/finetune/adapter';
import { initLoraWeights, loraModules, type LoraConfig } from '../../../src/model/lora';
import { writeSafetensors } from '../../../src/graph/safetensors';
import { tinyConfig } from '../../support/tinyModel';

const config = tinyConfig({ vocabSize: 128 });
const lora: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: true, dropout: 0.1 };
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-adapter-'));
  dirs.push(dir);
  return dir;
}
function sampleAdapter(): Adapter {
  const weights = initLoraWeights(loraModules(config, lora), 3);
  for (const [name, values] of weights) if (name.includes('lora_B')) values.forEach((_, i) => (values[i] = Math.sin(i + name.length)));
  return { lora, baseModel: 'HuggingFaceTB/SmolLM2-135M', weights };
}
function corrupt(edit: (configJson: Record<string, unknown>) => void): string {
  const dir = tempDir();
  saveAdapter(dir, sampleAdapter());
  const json = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(json));
  return dir;
}

describe('PEFT adapters', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('load -> save -> load is lossless, down to the file bytes', () => {
    const first = tempDir();
    saveAdapter(first, sampleAdapter());
    const loaded = loadAdapter(first, config);
    const second = tempDir();
    saveAdapter(second, loaded);
    const again = loadAdapter(second, config);
    assert.deepEqual(again.lora, lora);
    assert.equal(JSON.parse(readFileSync(join(second, ADAPTER_CONFIG_FILE), 'utf8')).lora_dropout, 0.1, "PEFT's lora_dropout");
    assert.equal(again.baseModel, 'HuggingFaceTB/SmolLM2-135M');
    assert.deepEqual([...again.weights.keys()], [...loaded.weights.keys()]);
    for (const [name, values] of loaded.weights) assert.deepEqual(again.weights.get(name), values);
    assert.deepEqual(readFileSync(join(first, ADAPTER_WEIGHTS_FILE)), readFileSync(join(second, ADAPTER_WEIGHTS_FILE)));
  });

  it('writes PEFT tensor names and shapes: lora_A [r, in], lora_B [out, r], mlp modules under .mlp.', () => {
    const dir = tempDir();
    saveAdapter(dir, sampleAdapter());
    const bytes = readFileSync(join(dir, ADAPTER_WEIGHTS_FILE));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as Record<string, { shape: number[] }>;
    assert.deepEqual(header['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'].shape, [4, 64]);
    assert.deepEqual(header['base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight'].shape, [32, 4]);
    assert.deepEqual(header['base_model.model.model.layers.1.mlp.down_proj.lora_A.weight'].shape, [4, 128]);
    const json = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(json, adapterConfigJson(lora, 'HuggingFaceTB/SmolLM2-135M'));
    assert.equal(json.peft_type, 'LORA');
    assert.equal(json.task_type, 'CAUSAL_LM');
    assert.equal(json.bias, 'none');
  });

  it('reads adapters saved with ".default" in tensor names and a single target string', () => {
    const dir = tempDir();
    const single: LoraConfig = { ...lora, targets: ['q_proj'] };
    const weights = initLoraWeights(loraModules(config, single), 1);
    writeSafetensors(
      join(dir, ADAPTER_WEIGHTS_FILE),
      [...weights].map(([name, values]) => ({ name: name.replace('.weight', '.default.weight'), shape: name.includes('lora_A') ? [4, 64] : [64, 4], values: () => values })),
      'BF16',
    );
    writeFileSync(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: 'q_proj' }));
    const loaded = loadAdapter(dir, config);
    assert.deepEqual(loaded.lora.targets, ['q_proj']);
    assert.ok(loaded.weights.has('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'));
  });

  const malformed: [string, () => string, RegExp][] = [
    ['a folder without adapter_config.json', () => tempDir(), /no adapter_config\.json; not a PEFT adapter folder/],
    ['a config that is not JSON', () => { const d = corrupt(() => {}); writeFileSync(join(d, ADAPTER_CONFIG_FILE), '{'); return d; }, /adapter_config\.json: is not valid JSON/],
    ['another PEFT method', () => corrupt((c) => (c.peft_type = 'IA3')), /peft_type is "IA3"; only "LORA" is supported/],
    ['a non-integer rank', () => corrupt((c) => (c.r = 2.5)), /r must be a positive integer, got 2\.5/],
    ['an unknown target module', () => corrupt((c) => (c.target_modules = ['q_proj', 'lm_head'])), /unsupported target_modules \["lm_head"\]; supported: q_proj/],
    ['a regex target', () => corrupt((c) => (c.target_modules = '.*proj')), /regular expression/],
    ['DoRA', () => corrupt((c) => (c.use_dora = true)), /use_dora=true is not supported/],
    ['trained biases', () => corrupt((c) => (c.bias = 'all')), /bias="all" is not supported; only "none"/],
    ['per-module ranks', () => corrupt((c) => (c.rank_pattern = { q_proj: 8 })), /rank_pattern is not supported/],
    ['a rank that disagrees with the tensors', () => corrupt((c) => (c.r = 8)), /must be \[r, in\] with r=8/],
    ['tensors for modules the config does not list', () => corrupt((c) => (c.target_modules = ['q_proj', 'v_proj'])), /down_proj, which target_modules does not list/],
    ['missing adapter_model.safetensors', () => { const d = corrupt(() => {}); rmSync(join(d, ADAPTER_WEIGHTS_FILE)); return d; }, /no adapter_model\.safetensors/],
  ];
  for (const [what, make, message] of malformed) {
    it(`rejects ${what} with a clear error`, () => assert.throws(() => loadAdapter(make(), config), message));
  }

  it('rejects an adapter for another model shape', () => {
    const dir = tempDir();
    saveAdapter(dir, sampleAdapter());
    assert.throws(() => loadAdapter(dir, tinyConfig({ vocabSize: 128, hiddenSize: 32, headDim: 8 })), /is the adapter for another base model\?/);
    assert.throws(() => loadAdapter(dir, tinyConfig({ vocabSize: 128, numHiddenLayers: 1 })), /does not match this model \(1 layers\)/);
  });
});
