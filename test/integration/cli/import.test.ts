/**
 * @file `smolcode import` on the real SmolLM2-135M-Instruct GGUF: --info, a full import the
 * other commands then run, and usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { preparedGguf } from '../../support/realModel';

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8' });
}

describe('smolcode import', () => {
  const root = mkdtempSync(join(tmpdir(), 'smolcode-cli-import-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('describes a GGUF with --info', (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const run = cli(['import', gguf, '--info']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^GGUF v3, 272 tensors: 1 Q8_0, 61 F32, 210 Q4_1$/m);
    assert.match(run.stdout, /^general\.architecture = "llama"$/m);
  });

  it('imports a folder that generate then runs, with the fused q4 graph', (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const out = join(root, 'smollm2');
    const run = cli(['import', gguf, '--out', out, '--dtypes', 'q4']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(join(out, 'onnx')).sort(), ['model_q4.onnx', 'model_q4_fused.onnx', 'model_q4_fused_matmul.onnx']);
    const generated = cli(['generate', '--model', out, '--prompt', 'import numpy as', '--max-tokens', '2', '--greedy', '--json', '--threads', '2']);
    assert.equal(generated.status, 0, generated.stderr);
    assert.match((JSON.parse(generated.stdout) as { text: string }).text, /^ np/);
  });

  it('names usage errors', () => {
    const none = cli(['import', '--out', join(root, 'x')]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /pass exactly one FILE\.gguf/);
    const missing = cli(['import', join(root, 'nope.gguf'), '--out', join(root, 'x')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.gguf: no such file/);
    assert.equal(existsSync(join(root, 'x')), false);
  });
});
