/**
 * @file config.json parsing: the real SmolLM2-135M config is accepted as is, and unsupported
 * configs are rejected with an error naming the file, the field and what is supported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelConfigError, parseModelConfig, readModelConfig, toConfigJson } from '../../../src/model/config';
import { parameterCount, SHAPES } from '../../../src/model/shapes';
import { TOKENIZER_DIR } from '../../support/tokenizer';

const REAL_135M = JSON.parse(readFileSync(join(TOKENIZER_DIR, 'config.SmolLM2-135M.json'), 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'smolcode-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertRejected(overrides: Record<string, unknown>, pattern: RegExp) {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...REAL_135M, ...overrides }));
  assert.throws(
    () => readModelConfig(path),
    (error: unknown) => error instanceof ModelConfigError && error.message.startsWith(`${path}: `) && pattern.test(error.message),
  );
}

describe('model config', () => {
  it('reads the released SmolLM2-135M config.json into the 135M shape', () => {
    const parsed = parseModelConfig(REAL_135M);
    assert.deepEqual(parsed, SHAPES['135M']);
    assert.equal(parameterCount(parsed), 134_515_008);
  });

  it('round-trips through toConfigJson', () => {
    for (const shape of Object.values(SHAPES)) assert.deepEqual(parseModelConfig(toConfigJson(shape, 'bfloat16')), shape);
  });

  it('rejects rope_scaling', () => {
    assertRejected({ rope_scaling: { type: 'linear', factor: 2 } }, /unsupported rope_scaling \{"type":"linear","factor":2\}; only null/);
  });

  it('rejects attention and MLP biases', () => {
    assertRejected({ attention_bias: true }, /unsupported attention_bias=true; only false is supported/);
    assertRejected({ mlp_bias: true }, /unsupported mlp_bias=true; only false is supported/);
  });

  it('rejects other architectures, naming the supported ones', () => {
    assertRejected({ model_type: 'mistral' }, /unsupported model_type "mistral"; supported: llama/);
  });

  it('rejects other activations and inconsistent head counts', () => {
    assertRejected({ hidden_act: 'gelu' }, /unsupported hidden_act "gelu"; only "silu"/);
    assertRejected({ num_key_value_heads: 4 }, /num_attention_heads \(9\) must be a multiple of num_key_value_heads \(4\)/);
    assertRejected({ hidden_size: -1 }, /hidden_size must be a positive integer, got -1/);
  });

  it('names the file when config.json is missing or not JSON', () => {
    const missing = join(dir, 'absent.json');
    assert.throws(() => readModelConfig(missing), new RegExp(`${missing}: cannot be read \\(ENOENT\\)`));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"model_type": ');
    assert.throws(() => readModelConfig(broken), /broken\.json: is not valid JSON/);
  });

  it('computes the released parameter counts from shapes alone', () => {
    assert.equal(parameterCount(SHAPES['135M']), 134_515_008);
    assert.equal(parameterCount(SHAPES['360M']), 361_821_120);
    assert.equal(parameterCount(SHAPES['1.7B']), 1_711_376_384);
  });
});
