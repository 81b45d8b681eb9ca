/**
 * @file The engine against absurd config.json values on fused graphs, the way the issue met
 * them: a config edited after the graph was built. `max_position_embeddings: 1e9` used to
 * allocate an 8 GB attention mask up front; `num_hidden_layers: 1e9` ran out of heap memory
 * listing per-layer outputs. Now the mask grows with the sequence, and the layer count is
 * checked against model.safetensors, or against the graph itself when the folder has only ONNX.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelConfigError } from '../../../src/model/config';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

describe('engine with absurd config.json values', () => {
  let model: TempModel;
  let original: string;
  let work: string;
  const configPath = () => join(model.dir, 'config.json');
  const withConfig = (overrides: Record<string, unknown>) => writeFileSync(configPath(), JSON.stringify({ ...JSON.parse(original), ...overrides }));
  before(() => {
    model = makeTempModel();
    writeFusedOnnxVariant(model.dir, 'fp32', { attention: 'matmul' });
    original = readFileSync(configPath(), 'utf8');
    work = mkdtempSync(join(tmpdir(), 'smolcode-engine-bounds-'));
  });
  after(() => {
    model.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('max_position_embeddings 1e9: the fused graph runs without sizing anything by it', async () => {
    withConfig({ max_position_embeddings: 1_000_000_000 });
    const engine = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph: 'fused' });
    try {
      assert.equal(engine.contextLength, 1_000_000_000);
      const stats = await engine.complete({ slot: 'a', prompt: 'function add(a, b) {', maxNewTokens: 8 });
      assert.equal(stats.truncatedTokens, 0);
      // The old up-front mask alone was 8 GB of array buffers.
      const arrayBuffers = process.memoryUsage().arrayBuffers;
      assert.ok(arrayBuffers < 512 * 2 ** 20, `${(arrayBuffers / 2 ** 20).toFixed(0)} MiB of array buffers`);
    } finally {
      await engine.dispose();
      writeFileSync(configPath(), original);
    }
  });

  it('num_hidden_layers 1e9 with a shipped fused graph: refused in one line naming config.json and the field', async () => {
    withConfig({ num_hidden_layers: 1_000_000_000 });
    try {
      await assert.rejects(
        Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph: 'fused' }),
        (error: unknown) =>
          error instanceof ModelConfigError && error.message === `${configPath()}: num_hidden_layers is 1000000000, but model.safetensors holds 2 layers`,
      );
    } finally {
      writeFileSync(configPath(), original);
    }
  });

  it('a folder with only ONNX files: the layer count is checked against the fused graph', async () => {
    const onnxOnly = makeTempModel();
    try {
      writeFusedOnnxVariant(onnxOnly.dir, 'fp32', { attention: 'matmul' });
      rmSync(join(onnxOnly.dir, 'model.safetensors'));
      writeFileSync(join(onnxOnly.dir, 'config.json'), JSON.stringify({ ...JSON.parse(original), num_hidden_layers: 3 }));
      await assert.rejects(
        Engine.load({ modelDir: onnxOnly.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph: 'fused' }),
        /model_fused_matmul\.onnx: the graph has 2 layers, but config\.json's num_hidden_layers is 3$/,
      );
    } finally {
      onnxOnly.dispose();
    }
  });

  it('a fused graph is not built for a config claiming 1e9 positions: the plain graph runs and the note says why', async () => {
    const unbuilt = makeTempModel();
    try {
      writeFileSync(join(unbuilt.dir, 'config.json'), JSON.stringify({ ...JSON.parse(original), max_position_embeddings: 1_000_000_000 }));
      const engine = await Engine.load({ modelDir: unbuilt.dir, dtype: 'fp32', device: 'cpu', threads: 1, buildFusedGraph: true, optimizedModelDir: join(work, 'graphs') });
      try {
        assert.equal(engine.graph.kind, 'plain');
        assert.match(engine.graph.note ?? '', /max_position_embeddings 1000000000 is more than a fused graph's rotary tables hold \(262144\)/);
        assert.equal((await engine.complete({ slot: 'a', prompt: 'x = ', maxNewTokens: 2 })).promptTokens > 0, true);
      } finally {
        await engine.dispose();
      }
    } finally {
      unbuilt.dispose();
    }
  });
});
