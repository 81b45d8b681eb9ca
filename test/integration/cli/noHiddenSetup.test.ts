/**
 * @file The built CLI (dist/cli.mjs) as a new user runs it: from another folder, with no
 * SMOLCODE_TOKENIZER_DIR. Every command that needs a tokenizer falls back to the SmolLM2
 * tokenizer shipped beside the bundle (dist/tokenizer/), and `finetune` takes TRL's flags.
 * Needs `npm run build` first (npm test runs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const CLI = resolve('dist/cli.mjs');
const SHIPPED = resolve('dist/tokenizer');

function cli(args: readonly string[], cwd: string) {
  const env = { ...process.env };
  delete env.SMOLCODE_TOKENIZER_DIR;
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env });
}

describe('the built CLI without hidden setup', () => {
  let root: string;
  before(() => {
    assert.ok(existsSync(CLI) && existsSync(join(SHIPPED, 'tokenizer.json')), 'run `npm run build` first: dist/cli.mjs and dist/tokenizer/ are missing');
    root = mkdtempSync(join(tmpdir(), 'smolcode-cli-fresh-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('ships the tokenizer byte for byte with its licence notice', () => {
    const source = process.env.SMOLCODE_TOKENIZER_DIR ?? resolve('..', 'shared', 'smollm2-tokenizer');
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'tokenizer_config.base.json', 'special_tokens_map.json']) {
      assert.ok(readFileSync(join(SHIPPED, name)).equals(readFileSync(join(source, name))), name);
    }
    assert.match(readFileSync(join(SHIPPED, 'NOTICE'), 'utf8'), /Apache License 2\.0/);
  });

  it('states the tokenizer default in --help', () => {
    for (const command of ['dataset', 'make-model', 'generate']) {
      const run = cli([command, '--help'], root);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /\$SMOLCODE_TOKENIZER_DIR, else the SmolLM2 tokenizer shipped with SmolCode/, command);
    }
  });

  it('make-model, dataset, finetune, generate and eval run with no tokenizer named anywhere', () => {
    const model = join(root, 'model');
    const made = cli(['make-model', '--shape', 'tiny', '--dtypes', 'fp32', '--out', model], root);
    assert.equal(made.status, 0, made.stderr);
    assert.ok(readFileSync(join(model, 'tokenizer.json')).equals(readFileSync(join(SHIPPED, 'tokenizer.json'))));

    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    writeFileSync(
      join(workspace, 'geometry.py'),
      '"""Small geometry helpers."""\n\n\ndef area(width, height):\n    """Area of a rectangle."""\n    return width * height\n\n\n' +
        'def perimeter(width, height):\n    """Perimeter of a rectangle."""\n    return 2 * (width + height)\n',
    );
    const data = join(root, 'data');
    const dataset = cli(['dataset', '--workspace', workspace, '--out', data, '--min-score', '0', '--validation', '0'], root);
    assert.equal(dataset.status, 0, dataset.stderr);
    assert.match(dataset.stdout, /1 files seen, 1 kept/);

    // A model folder without tokenizer files: the shipped tokenizer serves every SmolLM2 size.
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) unlinkSync(join(model, name));
    const adapter = join(root, 'adapter');
    const tuned = cli(
      ['finetune', '--model', model, '--data', join(data, 'code-train.jsonl'), '--out', adapter, '--steps', '2', '--seq-len', '64', '--threads', '1',
        '--max-grad-norm', '0', '--warmup-ratio', '0.5', '--weight-decay', '0.1'],
      root,
    );
    assert.equal(tuned.status, 0, tuned.stderr);
    assert.match(tuned.stdout, /weight decay 0\.1, warmup 1 steps, max grad norm off/);
    assert.ok(existsSync(join(adapter, 'adapter_model.safetensors')));

    const generated = cli(['generate', '--model', model, '--prompt', 'def area(', '--max-tokens', '3', '--greedy', '--json', '--threads', '1'], root);
    assert.equal(generated.status, 0, generated.stderr);
    assert.equal((JSON.parse(generated.stdout) as { tokens: number[] }).tokens.length, 3);

    const evaluated = cli(['eval', 'bpb', '--model', model, '--dtype', 'fp32', '--threads', '1', '--json', workspace], root);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.equal((JSON.parse(evaluated.stdout) as { total: { files: number } }).total.files, 1);
  });

  it('refuses finetune flags out of range with the flag named', () => {
    for (const [flag, value, message] of [
      ['--max-grad-norm', '-0.5', /--max-grad-norm must be a number from 0/],
      ['--warmup-ratio', '1', /--warmup-ratio must be a number from 0 to under 1, got "1"/],
      ['--weight-decay', 'x', /--weight-decay must be a number from 0 to 1, got "x"/],
    ] as const) {
      const run = cli(['finetune', '--model', root, '--data', CLI, '--out', join(root, 'never'), `${flag}=${value}`], root);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
    }
  });
});
