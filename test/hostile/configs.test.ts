/**
 * @file Hostile config.json files against a real (tiny, generated) model folder: absurd sizes,
 * wrong types, values the weights contradict, broken JSON. Each is refused by every entry point
 * that reads the folder (reading the config, merge, fine-tuning, loading the engine on the
 * fused graph) with one line that names config.json and the field, before anything is sized
 * from it and before any file is written. `num_hidden_layers: 1e9` used to run for a minute and
 * abort the process out of heap memory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveAdapter } from '../../src/finetune/adapter';
import { mergeAdapter } from '../../src/finetune/merge';
import { runFinetune } from '../../src/finetune/trainer';
import { ModelConfigError } from '../../src/model/config';
import { readModelFolderConfig } from '../../src/model/configBounds';
import { initLoraWeights, loraModules, type LoraConfig } from '../../src/model/lora';
import { Engine } from '../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../support/tinyModel';

/** One hostile config: overrides of the real config.json, or its text rewritten; and what the refusal must say. */
interface HostileConfig {
  readonly description: string;
  readonly config: Record<string, unknown> | ((text: string) => string);
  readonly names: RegExp;
}

const CORPUS: readonly HostileConfig[] = [
  { description: 'a billion layers', config: { num_hidden_layers: 1_000_000_000 }, names: /num_hidden_layers is 1000000000, but model\.safetensors holds 2 layers/ },
  { description: 'one layer more than the weights hold', config: { num_hidden_layers: 3 }, names: /num_hidden_layers is 3, but model\.safetensors holds 2 layers/ },
  { description: 'zero layers', config: { num_hidden_layers: 0 }, names: /num_hidden_layers must be a positive integer, got 0/ },
  { description: 'a fractional layer count', config: { num_hidden_layers: 2.5 }, names: /num_hidden_layers must be a positive integer, got 2\.5/ },
  { description: 'a layer count as a string', config: { num_hidden_layers: '2' }, names: /num_hidden_layers must be a positive integer, got "2"/ },
  { description: 'a billion-token vocabulary', config: { vocab_size: 1e9 }, names: /vocab_size is 1000000000, but model\.safetensors's "model\.embed_tokens\.weight" has 49152/ },
  { description: 'a huge hidden size', config: { hidden_size: 2 ** 30 }, names: /hidden_size is 1073741824, but/ },
  { description: 'a huge MLP', config: { intermediate_size: 1e15 }, names: /intermediate_size is 1000000000000000, but/ },
  { description: 'a huge head_dim', config: { head_dim: 2 ** 24 }, names: /num_attention_heads × head_dim is 67108864, but/ },
  { description: 'more key-value heads than the weights hold', config: { num_key_value_heads: 4 }, names: /num_key_value_heads × head_dim is 64, but/ },
  { description: 'key-value heads that do not divide the heads', config: { num_key_value_heads: 3 }, names: /num_attention_heads \(4\) must be a multiple of num_key_value_heads \(3\)/ },
  { description: 'an odd head_dim', config: { head_dim: 15 }, names: /head_dim \(15\) must be even/ },
  { description: 'untied embeddings without lm_head', config: { tie_word_embeddings: false }, names: /tie_word_embeddings is false, but model\.safetensors has no "lm_head\.weight"/ },
  { description: 'tie_word_embeddings as a string', config: { tie_word_embeddings: 'yes' }, names: /tie_word_embeddings must be a boolean, got "yes"/ },
  { description: 'an infinite context (1e400 parses as Infinity)', config: (text) => text.replace(/"max_position_embeddings": \d+/, '"max_position_embeddings": 1e400'), names: /max_position_embeddings must be a positive integer/ },
  { description: 'a negative context', config: { max_position_embeddings: -2048 }, names: /max_position_embeddings must be a positive integer, got -2048/ },
  { description: 'a negative rope_theta', config: { rope_theta: -1 }, names: /rope_theta must be a positive number, got -1/ },
  { description: 'another architecture', config: { model_type: 'gpt2' }, names: /unsupported model_type "gpt2"/ },
  { description: 'rope scaling', config: { rope_scaling: { type: 'yarn', factor: 1e9 } }, names: /unsupported rope_scaling/ },
  { description: 'a JSON array', config: () => '[1, 2, 3]', names: /is not a JSON object/ },
  { description: 'truncated JSON', config: (text) => text.slice(0, text.length / 2), names: /is not valid JSON/ },
  { description: 'an empty file', config: () => '', names: /is not valid JSON/ },
];

const LORA: LoraConfig = { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj'], useRslora: false };

describe('hostile config.json files', () => {
  let model: TempModel;
  let original: string;
  let work: string;
  let adapterDir: string;
  let data: string;
  before(() => {
    model = makeTempModel();
    original = readFileSync(join(model.dir, 'config.json'), 'utf8');
    work = mkdtempSync(join(tmpdir(), 'smolcode-hostile-configs-'));
    adapterDir = join(work, 'adapter');
    mkdirSync(adapterDir);
    saveAdapter(adapterDir, { lora: LORA, baseModel: model.dir, weights: initLoraWeights(loraModules(model.config, LORA), 1) });
    data = join(work, 'train.jsonl');
    writeFileSync(data, `${JSON.stringify({ text: 'function add(a, b) {\n  return a + b;\n}\n' })}\n`);
  });
  after(() => {
    model.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  for (const [i, hostile] of CORPUS.entries()) {
    it(`refuses ${hostile.description}, naming config.json and the field, in every entry point`, async () => {
      const configPath = join(model.dir, 'config.json');
      const text = typeof hostile.config === 'function' ? hostile.config(original) : JSON.stringify({ ...JSON.parse(original), ...hostile.config });
      writeFileSync(configPath, text);
      try {
        const refusal = (error: unknown) => {
          assert.ok(error instanceof ModelConfigError, `${(error as Error).name}: ${(error as Error).message}`);
          assert.ok(error.message.startsWith(`${configPath}: `), error.message);
          assert.match(error.message, hostile.names);
          assert.equal(error.message.includes('\n'), false, 'one line');
          return true;
        };
        assert.throws(() => readModelFolderConfig(model.dir), refusal);
        const mergeOut = join(work, `merged-${i}`);
        assert.throws(() => mergeAdapter({ modelDir: model.dir, adapterDir, outDir: mergeOut }), refusal);
        assert.equal(existsSync(mergeOut), false, 'merge wrote nothing');
        const trainOut = join(work, `trained-${i}`);
        await assert.rejects(runFinetune({ modelDir: model.dir, dataPath: data, outDir: trainOut, steps: 1, seqLen: 16 }), refusal);
        assert.equal(existsSync(join(trainOut, 'adapter_model.safetensors')), false, 'no adapter written');
        const cacheDir = join(work, `graphs-${i}`);
        await assert.rejects(Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph: 'auto', buildFusedGraph: true, optimizedModelDir: cacheDir }), refusal);
      } finally {
        writeFileSync(configPath, original);
      }
    });
  }

  it('accepts the config the folder was made with (the corpus is not refused for some other reason)', () => {
    assert.deepEqual(readModelFolderConfig(model.dir), model.config);
  });
});

