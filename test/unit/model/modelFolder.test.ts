/**
 * @file The model-folder generator and `smolcode make-model`: the files of each flavour,
 * deterministic weights for a seed, a clear error for a missing tokenizer, and flag
 * validation.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { seededNormal } from '../../../src/model/init';
import { makeModelFolder } from '../../../src/model/modelFolder';
import { SafetensorsFile } from '../../../src/graph/safetensors';
import { SHAPES } from '../../../src/model/shapes';
import { checkTokenizerDir, resolveTokenizerDir, TokenizerFilesError } from '../../../src/model/tokenizerFiles';

const root = mkdtempSync(join(tmpdir(), 'smolcode-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));
const tokenizerDir = resolveTokenizerDir();
const small = { ...SHAPES.tiny, vocabSize: 256 };

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** Captures console output of `body` so CLI tests stay quiet and can assert on messages. */
async function captured(body: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    return { code: await body(), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('model folder generator', () => {
  it('writes the base layout with the base tokenizer config', () => {
    const dir = join(root, 'base');
    makeModelFolder({ config: small, seed: 1, outDir: dir, flavour: 'base', variants: ['fp32', 'q4'], tokenizerDir });
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'generation_config.json', 'model.safetensors', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    assert.deepEqual(readdirSync(join(dir, 'onnx')).sort(), ['model.onnx', 'model_q4.onnx']);
    const config = readJson(join(dir, 'config.json'));
    assert.equal(config.model_type, 'llama');
    assert.equal(config.vocab_size, 256);
    assert.equal(config.torch_dtype, 'bfloat16');
    assert.equal(config.bos_token_id, 0);
    assert.equal(readJson(join(dir, 'tokenizer_config.json')).eos_token, '<|endoftext|>');
    assert.equal(readJson(join(dir, 'generation_config.json')).eos_token_id, 0);
  });

  it('writes the instruct layout with ChatML tokens and special_tokens_map.json', () => {
    const dir = join(root, 'instruct');
    makeModelFolder({ config: small, seed: 1, outDir: dir, flavour: 'instruct', variants: [], tokenizerDir });
    assert.ok(readdirSync(dir).includes('special_tokens_map.json'));
    assert.equal(readJson(join(dir, 'tokenizer_config.json')).eos_token, '<|im_end|>');
    assert.ok(String(readJson(join(dir, 'tokenizer_config.json')).chat_template).includes('<|im_start|>'));
    assert.deepEqual([readJson(join(dir, 'config.json')).eos_token_id, readJson(join(dir, 'generation_config.json')).pad_token_id], [2, 2]);
  });

  it('produces the same weights for the same seed and different ones for another seed', () => {
    const read = (seed: number) => {
      const dir = join(root, `seed-${seed}-${Math.random()}`);
      makeModelFolder({ config: small, seed, outDir: dir, flavour: 'base', variants: [], tokenizerDir, weightsDtype: 'F32' });
      const file = SafetensorsFile.open(join(dir, 'model.safetensors'));
      try {
        return file.readFloat32('model.layers.1.self_attn.k_proj.weight');
      } finally {
        file.close();
      }
    };
    const a = read(5);
    assert.deepEqual(read(5), a);
    assert.notDeepEqual(read(6), a);
  });

  it('draws normal weights with the requested standard deviation', () => {
    const values = seededNormal(9, 'w', 100_000, 0, 0.02);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean) < 3e-4, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.02) < 3e-4, `std ${std}`);
  });

  it('fails before writing weights when a tokenizer file is missing, naming the folder and file', () => {
    const fake = join(root, 'fake-tokenizer');
    mkdirSync(fake);
    writeFileSync(join(fake, 'tokenizer_config.base.json'), '{}');
    assert.throws(
      () => checkTokenizerDir(fake, 'base'),
      (error: unknown) => error instanceof TokenizerFilesError && error.message === `tokenizer files missing in ${fake}: tokenizer.json (pass --tokenizer DIR or set SMOLCODE_TOKENIZER_DIR)`,
    );
    const out = join(root, 'never');
    assert.throws(() => makeModelFolder({ config: small, seed: 1, outDir: out, flavour: 'instruct', variants: [], tokenizerDir: fake }), /tokenizer\.json, tokenizer_config\.json, special_tokens_map\.json, generation_config\.instruct\.json/);
    assert.throws(() => readdirSync(out), /ENOENT/);
  });
});

describe('smolcode make-model', () => {
  it('writes a tiny folder with the requested variants', async () => {
    const dir = join(root, 'cli');
    const result = await captured(() => main(['make-model', '--shape', 'tiny', '--vocab', '256', '--seed', '2', '--dtypes', 'fp32,int8', '--instruct', '--out', dir]));
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /wrote tiny \(instruct\)/);
    assert.deepEqual(readdirSync(join(dir, 'onnx')).sort(), ['model.onnx', 'model_int8.onnx']);
  });

  it('reports a missing tokenizer directory given by --tokenizer with exit code 1', async () => {
    const missing = join(root, 'no-such-dir');
    const result = await captured(() => main(['make-model', '--out', join(root, 'x'), '--tokenizer', missing]));
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`tokenizer files missing in ${missing}: tokenizer\\.json, tokenizer_config\\.base\\.json`));
  });

  it('rejects bad flags with usage errors naming the allowed values', async () => {
    const cases: [string[], RegExp][] = [
      [['--shape', '7B', '--out', 'x'], /--shape must be one of tiny, 135M, 360M, 1\.7B; got "7B"/],
      [['--dtypes', 'fp32,q3', '--out', 'x'], /--dtypes must be a comma-separated list of fp32, fp16, q4, int8; got "fp32,q3"/],
      [['--shape', 'tiny'], /--out DIR is required/],
      [['--base', '--instruct', '--out', 'x'], /at most one of --base and --instruct/],
    ];
    for (const [args, pattern] of cases) {
      const result = await captured(() => main(['make-model', ...args]));
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, pattern);
    }
  });
});
