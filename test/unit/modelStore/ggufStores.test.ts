/**
 * @file Finding GGUF models in Ollama's and LM Studio's stores, built here as the tools lay them
 * out: SmolLM2 files listed with their size and type, other models and broken entries skipped
 * with a reason, Ollama names resolved to blobs, and each bad manifest refused naming its file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultStoreRoots, findLocalGgufs, OLLAMA_MODEL_LAYER, ollamaManifestPath, parameterLabel, resolveOllamaModel, summarizeGguf } from '../../../src/modelStore/ggufStores';
import { ggufBytes, type GgufMetadataEntry } from '../../../src/graph/gguf/ggufWriter';

const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-stores-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A header-only GGUF: architecture, name, a vocabulary of `vocab` tokens, one Q8_0 matrix and one F32 vector. */
function ggufOf(architecture: string, vocab: number): Buffer {
  const metadata: Record<string, GgufMetadataEntry> = {
    'general.architecture': { type: 8, value: architecture },
    'general.name': { type: 8, value: `test ${architecture}` },
    'tokenizer.ggml.tokens': { type: 9, itemType: 8, items: Array.from({ length: vocab }, (_, i) => `t${i}`) },
  };
  // Q8_0 (type 8): blocks of 32 as 34 bytes; a 64x32 matrix and a 64-vector of F32.
  const matrix = { name: 'blk.0.attn_q.weight', dims: [64, 32], type: 8, data: new Uint8Array((64 * 32 / 32) * 34) };
  const norm = { name: 'blk.0.attn_norm.weight', dims: [64], type: 0, data: new Uint8Array(64 * 4) };
  return ggufBytes(metadata, [matrix, norm]);
}

function write(path: string, bytes: Buffer | string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

const hex = (c: string) => c.repeat(64);

/** An Ollama manifest with the given layers. */
function manifest(store: string, name: string, tag: string, layers: unknown[], host = 'registry.ollama.ai/library'): string {
  return write(join(store, 'manifests', ...host.split('/'), name, tag), JSON.stringify({ schemaVersion: 2, layers }));
}

const modelLayer = (digest: string) => ({ mediaType: OLLAMA_MODEL_LAYER, digest, size: 1 });

describe('GGUF stores: Ollama and LM Studio', () => {
  const ollama = join(root, 'ollama');
  const lmStudio = join(root, 'lmstudio');
  write(join(ollama, 'blobs', `sha256-${hex('a')}`), ggufOf('llama', 49152));
  write(join(ollama, 'blobs', `sha256-${hex('b')}`), ggufOf('qwen2', 151936));
  write(join(ollama, 'blobs', `sha256-${hex('c')}`), 'PK\x03\x04 a zip, not a GGUF');
  write(join(ollama, 'blobs', `sha256-${hex('d')}`), '{"license": "Apache-2.0"}');
  manifest(ollama, 'smollm2', '135m', [{ mediaType: 'application/vnd.ollama.image.license', digest: `sha256:${hex('d')}` }, modelLayer(`sha256:${hex('a')}`)]);
  manifest(ollama, 'qwen2.5', '0.5b', [modelLayer(`sha256:${hex('b')}`)]);
  manifest(ollama, 'zipped', 'latest', [modelLayer(`sha256:${hex('c')}`)]);
  manifest(ollama, 'nolayer', 'latest', [{ mediaType: 'application/vnd.ollama.image.license', digest: `sha256:${hex('d')}` }]);
  manifest(ollama, 'gone', 'latest', [modelLayer(`sha256:${hex('e')}`)]);
  manifest(ollama, 'SmolLM2-GGUF', 'Q8_0', [modelLayer(`sha256:${hex('a')}`)], 'hf.co/bartowski');
  write(join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'garbled', 'latest'), '{not json');
  write(join(lmStudio, 'bartowski', 'SmolLM2-360M-GGUF', 'SmolLM2-360M-Q8_0.gguf'), ggufOf('llama', 49152));
  write(join(lmStudio, 'bartowski', 'SmolLM2-360M-GGUF', 'README.md'), 'not a model');
  write(join(lmStudio, 'lmstudio-community', 'Llama-3-GGUF', 'llama3.gguf'), ggufOf('llama', 128256));
  write(join(lmStudio, 'x', 'Big-GGUF', 'big-00001-of-00002.gguf'), ggufOf('llama', 49152));

  it('lists the SmolLM2 GGUFs of both stores, by the names the tools give them', () => {
    const { found } = findLocalGgufs({ ollama, lmStudio: [lmStudio, join(root, 'absent')] });
    const rows = found.map((g) => [g.store, g.name, g.summary.quantization, g.summary.parameters, g.path]).sort();
    assert.deepEqual(rows, [
      ['lmstudio', 'bartowski/SmolLM2-360M-GGUF/SmolLM2-360M-Q8_0.gguf', 'Q8_0', '2.1K', join(lmStudio, 'bartowski', 'SmolLM2-360M-GGUF', 'SmolLM2-360M-Q8_0.gguf')],
      ['ollama', 'hf.co/bartowski/SmolLM2-GGUF:Q8_0', 'Q8_0', '2.1K', join(ollama, 'blobs', `sha256-${hex('a')}`)],
      ['ollama', 'smollm2:135m', 'Q8_0', '2.1K', join(ollama, 'blobs', `sha256-${hex('a')}`)],
    ]);
  });

  it('skips other models and broken entries, saying why and naming the manifest', () => {
    const { skipped } = findLocalGgufs({ ollama, lmStudio: [lmStudio] });
    const reasons = Object.fromEntries(skipped.map((s) => [s.name, s.problem]));
    assert.deepEqual(Object.keys(reasons).sort(), ['garbled:latest', 'gone:latest', 'lmstudio-community/Llama-3-GGUF/llama3.gguf', 'nolayer:latest', 'qwen2.5:0.5b', 'zipped:latest']);
    assert.equal(reasons['qwen2.5:0.5b'], 'not a SmolLM2 (qwen2, 151936 tokens)');
    assert.equal(reasons['lmstudio-community/Llama-3-GGUF/llama3.gguf'], 'not a SmolLM2 (llama, 128256 tokens)');
    const manifestOf = (name: string) => join(ollama, 'manifests', 'registry.ollama.ai', 'library', name, 'latest');
    assert.equal(reasons['zipped:latest'], `${manifestOf('zipped')}: its model layer ${join(ollama, 'blobs', `sha256-${hex('c')}`)} is not a GGUF file (Ollama manifest)`);
    assert.equal(reasons['nolayer:latest'], `${manifestOf('nolayer')}: no layer of media type ${OLLAMA_MODEL_LAYER} (Ollama manifest)`);
    assert.equal(reasons['gone:latest'], `${manifestOf('gone')}: its model layer ${join(ollama, 'blobs', `sha256-${hex('e')}`)} is missing from the store (Ollama manifest)`);
    assert.match(reasons['garbled:latest'] ?? '', /garbled\/latest: not readable as JSON: .* \(Ollama manifest\)$/);
  });

  it('resolves Ollama names as `ollama run` takes them, and refuses names that leave the store', () => {
    assert.equal(ollamaManifestPath(ollama, 'smollm2'), join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'smollm2', 'latest'));
    assert.equal(ollamaManifestPath(ollama, 'smollm2:135m'), join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'smollm2', '135m'));
    assert.equal(ollamaManifestPath(ollama, 'me/smollm2:ft'), join(ollama, 'manifests', 'registry.ollama.ai', 'me', 'smollm2', 'ft'));
    assert.equal(ollamaManifestPath(ollama, 'hf.co/bartowski/SmolLM2-GGUF:Q8_0'), join(ollama, 'manifests', 'hf.co', 'bartowski', 'SmolLM2-GGUF', 'Q8_0'));
    assert.throws(() => ollamaManifestPath(ollama, '../../etc:passwd'), /not an Ollama model name/);
    assert.equal(resolveOllamaModel(ollama, 'smollm2:135m'), join(ollama, 'blobs', `sha256-${hex('a')}`));
    assert.throws(() => resolveOllamaModel(ollama, 'smollm2:1.7b'), /Ollama has no model "smollm2:1\.7b" in .*ollama \(no .*smollm2\/1\.7b; run `ollama pull smollm2:1\.7b`, or set OLLAMA_MODELS\)/);
    assert.throws(() => resolveOllamaModel(ollama, 'zipped'), /zipped\/latest: its model layer .* is not a GGUF file \(Ollama manifest\)/);
  });

  it('summarizes a header: the type most weights use, and the parameter count as models are named', () => {
    const summary = summarizeGguf(join(ollama, 'blobs', `sha256-${hex('a')}`));
    assert.deepEqual(summary, { architecture: 'llama', name: 'test llama', vocabSize: 49152, parameters: '2.1K', quantization: 'Q8_0' });
    assert.deepEqual([134_515_008, 361_821_120, 1_711_376_384, 999_999].map(parameterLabel), ['135M', '362M', '1.7B', '1000K']);
  });

  it('finds the stores where Ollama and LM Studio put them', () => {
    assert.deepEqual(defaultStoreRoots({ HOME: '/home/u' }), { ollama: '/home/u/.ollama/models', lmStudio: ['/home/u/.lmstudio/models', '/home/u/.cache/lm-studio/models'] });
    assert.equal(defaultStoreRoots({ HOME: '/home/u', OLLAMA_MODELS: '/data/ollama' }).ollama, '/data/ollama');
    assert.deepEqual(defaultStoreRoots({}), { ollama: undefined, lmStudio: [] });
  });
});
