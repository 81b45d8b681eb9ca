/**
 * @file `smolcode import` on the real SmolLM2-135M-Instruct GGUF: --info, a full import the
 * other commands then run, the same file through an Ollama store (and --list of the stores), and
 * usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { preparedGguf } from '../../support/realModel';

function cli(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8', env });
}

/** An Ollama store holding `gguf` as `smollm2:135m` (the blob a link to it), and a manifest whose model layer is a zip. */
function ollamaStore(root: string, gguf: string): string {
  const store = join(root, 'ollama');
  const library = join(store, 'manifests', 'registry.ollama.ai', 'library');
  mkdirSync(join(store, 'blobs'), { recursive: true });
  const layers = (hex: string) => JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: 1 }] });
  symlinkSync(gguf, join(store, 'blobs', `sha256-${'a'.repeat(64)}`));
  writeFileSync(join(store, 'blobs', `sha256-${'b'.repeat(64)}`), 'PK\x03\x04');
  for (const [name, hex] of [['smollm2', 'a'], ['zipped', 'b']]) {
    mkdirSync(join(library, name), { recursive: true });
    writeFileSync(join(library, name, name === 'smollm2' ? '135m' : 'latest'), layers(hex.repeat(64)));
  }
  return store;
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

  it('imports a model from Ollama\'s store by name, lists the stores, and names a manifest whose model is not GGUF', (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const env = { ...process.env, OLLAMA_MODELS: ollamaStore(root, gguf), HOME: join(root, 'home') };
    const listed = cli(['import', '--list'], env);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout, `ollama\tsmollm2:135m\t135M Q4_1\t98 MB\t${join(env.OLLAMA_MODELS, 'blobs', `sha256-${'a'.repeat(64)}`)}\n`);
    assert.match(listed.stderr, /skipped ollama zipped:latest: .*zipped\/latest: its model layer .* is not a GGUF file \(Ollama manifest\)/);
    const out = join(root, 'from-ollama');
    const run = cli(['import', 'ollama:smollm2:135m', '--out', out, '--dtypes', 'fp16'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(join(out, 'onnx')), ['model_fp16.onnx']);
    const zipped = cli(['import', 'ollama:zipped', '--out', join(root, 'zipped')], env);
    assert.equal(zipped.status, 1);
    assert.match(zipped.stderr, /library\/zipped\/latest: its model layer .*sha256-b{64} is not a GGUF file \(Ollama manifest\)/);
    assert.equal(existsSync(join(root, 'zipped')), false);
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
