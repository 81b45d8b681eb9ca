/**
 * @file Merging: a PEFT adapter merged into a tiny base model with `smolcode merge` gives an
 * ONNX model folder the engine loads, and its logits equal the training graph's forward with
 * the adapter as separate LoRA matrices (1e-4 absolute on logits of order one: both are float32
 * with different summation orders, W + s·B·A folded versus applied as two extra products).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mergeCommand } from '../../../src/cli/commands/merge';
import { saveAdapter } from '../../../src/finetune/adapter';
import { makeBatch } from '../../../src/finetune/data';
import { LoraGraphSession } from '../../../src/finetune/graphSession';
import { loraModules, type LoraConfig } from '../../../src/model/lora';
import { Rng } from '../../../src/graph/rng';
import { buildTrainingGraph } from '../../../src/model/trainingGraph';
import { Engine } from '../../../src/runtime/engine';
import { fusedVariantFile } from '../../../src/model/configTypes';
import { cudaProviderInstalled, fusedAttentionFor } from '../../../src/runtime/providers';
import { CausalLmSession } from '../../../src/runtime/session';
import { SafetensorsFile } from '../../../src/graph/safetensors';
import { safetensorsSource } from '../../../src/model/weights';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { mergedWeights } from '../../../src/finetune/merge';
import { loadAdapter } from '../../../src/finetune/adapter';
import { readModelConfig } from '../../../src/model/config';
import { architectureFor } from '../../../src/model/registry';
import { precisionFor } from '../../../src/model/precision';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';
import { dequantizeBlockwise, quantizeBlockwise } from '../../../src/graph/quantize';
import type { WeightSource } from '../../../src/model/weights';
import { currentMergeVariants } from '../../../src/finetune/mergeRecord';

/** `weights` with every projection as the q4 graph holds it: quantized to 4 bits and back. */
function q4Projections(weights: WeightSource): WeightSource {
  return {
    ...weights,
    read(name) {
      const w = weights.read(name);
      if (!name.endsWith('_proj.weight')) return w;
      const [n, k] = weights.shape(name);
      return dequantizeBlockwise(quantizeBlockwise(w, n, k, 4));
    },
  };
}

/** Last-position logits of `ids` from an ONNX file, run in one step. */
async function lastLogits(path: string, ids: readonly number[]): Promise<Float32Array> {
  const session = await CausalLmSession.open(path, { device: 'cpu', threads: 1 });
  try {
    return (await session.step(ids, session.emptyKv())).logits;
  } finally {
    await session.dispose();
  }
}

const LORA: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false };

describe('merged adapters', () => {
  let model: TempModel;
  let adapterDir: string;
  let weights: Map<string, Float32Array>;
  before(() => {
    model = makeTempModel();
    adapterDir = mkdtempSync(join(tmpdir(), 'smolcode-merge-'));
    const rng = new Rng(9);
    weights = new Map();
    for (const m of loraModules(model.config, LORA)) {
      weights.set(m.a, Float32Array.from({ length: m.aShape[0] * m.aShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
      weights.set(m.b, Float32Array.from({ length: m.bShape[0] * m.bShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
    }
    saveAdapter(adapterDir, { lora: LORA, baseModel: model.dir, weights });
  });
  after(() => {
    model.dispose();
    rmSync(adapterDir, { recursive: true, force: true });
  });

  it('the engine logits of the merged model equal the training graph forward with the adapter', async () => {
    const code = await mergeCommand.run(['--model', model.dir, '--adapter', adapterDir]);
    assert.equal(code, 0);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) assert.ok(existsSync(join(adapterDir, f)), f);

    const engine = await Engine.load({ modelDir: adapterDir, dtype: 'fp32', device: 'cpu', threads: 1 });
    const ids = engine.promptIds('function add(a, b) {\n  return a + b;\n}').slice(0, 8);
    const stats = await engine.complete({ slot: 'test', prompt: 'const x = ', maxNewTokens: 3 });
    assert.equal(stats.promptTokens > 0, true);
    await engine.dispose();

    const V = model.config.vocabSize;
    const S = ids.length;
    const file = SafetensorsFile.open(join(model.dir, 'model.safetensors'));
    const graph = buildTrainingGraph(model.config, safetensorsSource(file), { batchSize: 1, seqLen: S, lora: LORA, gradients: false, logits: true });
    const training = await LoraGraphSession.open(graph, { device: 'cpu', threads: 1 });
    file.close();
    const { logits } = await training.run(makeBatch([{ inputIds: ids, labels: ids }], S), weights);
    await training.dispose();

    const merged = await CausalLmSession.open(join(adapterDir, 'onnx', 'model.onnx'), { device: 'cpu', threads: 1 });
    const base = await CausalLmSession.open(join(model.dir, 'onnx', 'model.onnx'), { device: 'cpu', threads: 1 });
    let kv = merged.emptyKv();
    let maxDiff = 0;
    let baseDiff = 0;
    for (let s = 0; s < S; s++) {
      const out = await merged.step([ids[s]], kv);
      kv = out.kv;
      for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(out.logits[v] - logits![s * V + v]));
    }
    const baseLast = await base.step(ids, base.emptyKv());
    for (let v = 0; v < V; v++) baseDiff = Math.max(baseDiff, Math.abs(baseLast.logits[v] - logits![(S - 1) * V + v]));
    await merged.dispose();
    await base.dispose();
    assert.ok(maxDiff < 1e-4, `merged vs training-graph logits differ by ${maxDiff}`);
    assert.ok(baseDiff > 1e-2, `the adapter should change the logits (base differs by only ${baseDiff})`);
  });

  it('keeps the q4 base blocks and adds the update beside them: the logits of the dequantized base with the adapter merged in float', async () => {
    const out = mkdtempSync(join(tmpdir(), 'smolcode-merge-q4-'));
    try {
      assert.equal(await mergeCommand.run(['--model', model.dir, '--adapter', adapterDir, '--out', out, '--dtypes', 'q4']), 0);
      assert.deepEqual(currentMergeVariants(out), ['q4']);
      const config = readModelConfig(join(model.dir, 'config.json'));
      const adapter = loadAdapter(adapterDir, config);
      const file = SafetensorsFile.open(join(model.dir, 'model.safetensors'));
      const arch = architectureFor(config);
      const reference = join(out, 'reference.onnx');
      const mergedBeforeQuantizing = join(out, 'merged_q4.onnx');
      try {
        const base = safetensorsSource(file);
        writeOnnxModel(arch.buildInferenceGraph(config, mergedWeights(q4Projections(base), adapter, config), precisionFor('fp32')), reference);
        writeOnnxModel(arch.buildInferenceGraph(config, mergedWeights(base, adapter, config), precisionFor('q4')), mergedBeforeQuantizing);
      } finally {
        file.close();
      }
      const ids = [5, 17, 200, 3, 41, 9, 77];
      const expected = await lastLogits(reference, ids);
      const diff = async (path: string) => (await lastLogits(path, ids)).reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i])), 0);
      const kept = await diff(join(out, 'onnx', 'model_q4.onnx'));
      const requantized = await diff(mergedBeforeQuantizing);
      assert.ok(kept < 1e-4, `q4 merge with the update beside the blocks differs by ${kept}`);
      assert.ok(requantized > 100 * kept, `quantizing the merged weights should move the logits more (${requantized} vs ${kept})`);

      // The fused q4 graph (int8 activations) carries the update too and generates.
      const engine = await Engine.load({ modelDir: out, dtype: 'q4', device: 'cpu', threads: 1, graph: 'fused', optimizedModelDir: '' });
      try {
        assert.equal((await engine.complete({ slot: 'test', prompt: 'def area(radius):', maxNewTokens: 4 })).tokens.length, 4);
      } finally {
        await engine.dispose();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('writes the fused graph too, so the merged model runs on it with the plain graph\'s tokens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'smolcode-merge-fused-'));
    try {
      assert.equal(await mergeCommand.run(['--model', model.dir, '--adapter', adapterDir, '--out', out, '--dtypes', 'fp32']), 0);
      // The attention this machine's engine prefers: the MatMul one on the CPU.
      const fusedFile = fusedVariantFile('fp32', fusedAttentionFor('auto', process.platform, cudaProviderInstalled()));
      assert.ok(existsSync(join(out, 'onnx', fusedFile)));
      const run = async (graph: 'fused' | 'plain') => {
        const engine = await Engine.load({ modelDir: out, dtype: 'fp32', device: 'cpu', threads: 1, graph, optimizedModelDir: '' });
        try {
          const stats = await engine.complete({ slot: 'test', prompt: 'def area(radius):\n    return', maxNewTokens: 8 });
          return { file: engine.graph.file, tokens: stats.tokens };
        } finally {
          await engine.dispose();
        }
      };
      const fused = await run('fused');
      const plain = await run('plain');
      assert.equal(fused.file, fusedFile);
      assert.equal(plain.file, 'model.onnx');
      assert.equal(fused.tokens.length, 8);
      assert.deepEqual(fused.tokens, plain.tokens);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
