/**
 * @file The structure of the fused graph without running it: contrib ops in place of the plain
 * attention and norms (or MatMul attention over engine-layout caches), packed projections with the weights of their parts, the q4 lm_head
 * (also the embedding table of a tied model),
 * the I/O transformers.js needs, and the rotary caches' values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelConfig } from '../../../src/model/config';
import { fusedVariantFile } from '../../../src/model/configTypes';
import { buildLlamaFusedGraph, fusedPrecisionFor, packedLlamaWeights, rotaryCaches } from '../../../src/model/llamaFused';
import { llamaWeightShapes, ropeInvFreq } from '../../../src/model/llamaMath';
import { precisionFor } from '../../../src/model/precision';
import { SHAPES } from '../../../src/model/shapes';
import type { WeightSource } from '../../../src/model/weights';

const config: ModelConfig = { ...SHAPES.tiny, vocabSize: 300 };

/** Weights whose every value encodes its tensor's index, so packing can be checked. */
function taggedWeights(c: ModelConfig): WeightSource {
  const shapes = llamaWeightShapes(c);
  const names = [...shapes.keys()];
  return {
    label: 'tagged',
    has: (name) => shapes.has(name),
    shape: (name) => shapes.get(name)!,
    read: (name) => new Float32Array(shapes.get(name)!.reduce((a, b) => a * b, 1)).fill(names.indexOf(name)),
  };
}

const opCounts = (g: ReturnType<typeof buildLlamaFusedGraph>) => {
  const counts = new Map<string, number>();
  for (const n of g.nodeList) counts.set(n.opType!, (counts.get(n.opType!) ?? 0) + 1);
  return counts;
};

describe('fused Llama graph', () => {
  it('uses one GroupQueryAttention and two skip norms per layer, and no plain attention ops', () => {
    const counts = opCounts(buildLlamaFusedGraph(config, taggedWeights(config), precisionFor('fp32')));
    assert.equal(counts.get('GroupQueryAttention'), config.numHiddenLayers);
    assert.equal(counts.get('RotaryEmbedding'), config.numHiddenLayers, 'the new keys are rotated once more, for the new_key_values output');
    assert.equal(counts.get('SkipSimplifiedLayerNormalization'), 2 * config.numHiddenLayers);
    assert.equal(counts.get('SimplifiedLayerNormalization'), 1);
    for (const plain of ['Softmax', 'Transpose', 'ReduceMean', 'Pow']) assert.equal(counts.get(plain), undefined, plain);
    // The lm_head output shape and the new positions' rows; the cache itself never is.
    assert.equal(counts.get('Concat'), 2);
  });

  it('with matmul attention: per layer, If one token (matmul), else if a few (matmul, causal), else GQA; no present outputs', () => {
    const g = buildLlamaFusedGraph(config, taggedWeights(config), precisionFor('fp32'), { attention: 'matmul' });
    const counts = opCounts(g);
    assert.equal(counts.get('If'), config.numHiddenLayers);
    assert.equal(counts.get('GroupQueryAttention'), undefined, 'GQA lives only in a branch');
    const ops = (graph: { node?: { opType?: string | null }[] | null }) => graph.node!.map((n) => n.opType);
    const branch = (node: (typeof g.nodeList)[number], name: string) => node.attribute!.find((a) => a.name === name)!.g!;
    const top = g.nodeList.find((n) => n.opType === 'If')!;
    const one = ops(branch(top, 'then_branch'));
    assert.equal(one.filter((t) => t === 'FusedMatMul').length, 2, 'scores over the cache and over the new key');
    assert.equal(one.filter((t) => t === 'Transpose').length, 0, 'one token needs no transposes');
    const inner = branch(top, 'else_branch').node!.find((n) => n.opType === 'If')!;
    const few = ops(branch(inner, 'then_branch'));
    assert.ok(few.includes('FusedMatMul') && few.includes('Softmax') && few.includes('Transpose'));
    assert.deepEqual(ops(branch(inner, 'else_branch')), ['GroupQueryAttention']);
    const model = g.modelSkeleton();
    assert.deepEqual(model.graph!.output!.map((o) => o.name).sort(), ['logits', 'new_key_values']);
    // The same cache layout as GQA's, so one engine buffer serves both branches.
    const key = model.graph!.input!.find((i) => i.name === 'past_key_values.0.key')!;
    const dims = key.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(dims, ['batch_size', config.numKeyValueHeads, 'past_sequence_length', config.headDim]);
    assert.equal(fusedVariantFile('q4', 'matmul'), 'model_q4_fused_matmul.onnx');
  });

  it('with matmul attention and quantized weights: an 8-bit cache (keys transposed, a scale per position) read by MatMulInteger, widened only for GQA', () => {
    const g = buildLlamaFusedGraph(config, taggedWeights(config), fusedPrecisionFor('q4'), { attention: 'matmul' });
    const model = g.modelSkeleton();
    const input = (name: string) => {
      const found = model.graph!.input!.find((i) => i.name === name)!;
      return { type: found.type!.tensorType!.elemType, dims: found.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)) };
    };
    const { numKeyValueHeads: kv, headDim: d } = config;
    assert.deepEqual(input('past_key_values.0.key'), { type: 3, dims: ['batch_size', kv, d, 'past_sequence_length'] });
    assert.deepEqual(input('past_key_values.0.value'), { type: 3, dims: ['batch_size', kv, 'past_sequence_length', d] });
    assert.deepEqual(input('past_key_values.0.key_scale'), { type: 1, dims: ['batch_size', kv, 1, 'past_sequence_length'] });
    assert.deepEqual(input('past_key_values.0.value_scale'), { type: 1, dims: ['batch_size', kv, 1, 'past_sequence_length'] });
    const ops = (graph: { node?: { opType?: string | null }[] | null }) => graph.node!.map((n) => n.opType);
    const branch = (node: (typeof g.nodeList)[number], name: string) => node.attribute!.find((a) => a.name === name)!.g!;
    const top = g.nodeList.find((n) => n.opType === 'If')!;
    const inner = branch(top, 'else_branch').node!.find((n) => n.opType === 'If')!;
    for (const path of [branch(top, 'then_branch'), branch(inner, 'then_branch')]) {
      assert.equal(ops(path).filter((t) => t === 'MatMulInteger').length, 2, 'scores and values over the cache in 8-bit');
    }
    const gqa = ops(branch(inner, 'else_branch'));
    assert.ok(gqa.includes('GroupQueryAttention') && gqa.filter((t) => t === 'Cast').length === 2, 'GQA reads the cache widened to float32');
    // fp32 weights keep the float32 cache, the exact reference; GQA graphs cannot take 8 bits.
    const fp32 = buildLlamaFusedGraph(config, taggedWeights(config), precisionFor('fp32'), { attention: 'matmul' }).modelSkeleton();
    assert.equal(fp32.graph!.input!.find((i) => i.name === 'past_key_values.0.key')!.type!.tensorType!.elemType, 1);
    assert.throws(() => buildLlamaFusedGraph(config, taggedWeights(config), fusedPrecisionFor('q4'), { kvCache: 'int8' }), /matmul attention only/);
  });

  it('declares the inputs and outputs transformers.js feeds and reads', () => {
    const g = buildLlamaFusedGraph(config, taggedWeights(config), precisionFor('fp32'));
    const model = g.modelSkeleton();
    const inputs = model.graph!.input!.map((i) => i.name);
    assert.deepEqual(inputs.slice(0, 4), ['input_ids', 'attention_mask', 'num_logits_to_keep', 'past_key_values.0.key']);
    assert.ok(!inputs.includes('position_ids'));
    const outputs = model.graph!.output!.map((o) => o.name);
    assert.ok(outputs.includes('logits') && outputs.includes(`present.${config.numHiddenLayers - 1}.value`));
    // The engine fetches only the new positions' rows, all layers in one output; see fusedSession.ts.
    assert.ok(outputs.includes('new_key_values'));
    const rows = model.graph!.node!.find((n) => n.output?.includes('new_key_values'));
    assert.equal(rows?.opType, 'Concat');
    assert.equal(rows?.input?.length, 2 * config.numHiddenLayers);
    assert.ok(model.opsetImport!.some((o) => o.domain === 'com.microsoft'));
  });

  it('packs q, k, v and gate, up rows in order, exactly as the separate tensors', () => {
    const w = taggedWeights(config);
    const packed = packedLlamaWeights(config, w);
    const qkv = packed.read('model.layers.1.self_attn.qkv_proj.weight');
    const [q, k] = ['q', 'k'].map((x) => w.read(`model.layers.1.self_attn.${x}_proj.weight`));
    assert.deepEqual(packed.shape('model.layers.1.self_attn.qkv_proj.weight'), [config.numAttentionHeads * config.headDim + 2 * config.numKeyValueHeads * config.headDim, config.hiddenSize]);
    assert.equal(qkv[0], q[0]);
    assert.equal(qkv[q.length], k[0]);
    assert.deepEqual(packed.shape('lm_head.weight'), [config.vocabSize, config.hiddenSize]);
  });

  it('gives q4 a 4-bit lm_head and int8 activations (accuracy level 4)', () => {
    const g = buildLlamaFusedGraph(config, taggedWeights(config), fusedPrecisionFor('q4'));
    const nbits = g.nodeList.filter((n) => n.opType === 'MatMulNBits');
    // qkv, o, gate_up and down per layer, plus the lm_head.
    assert.equal(nbits.length, 4 * config.numHiddenLayers + 1);
    assert.ok(nbits.every((n) => n.attribute!.find((a) => a.name === 'accuracy_level')!.i === 4));
    assert.ok(g.initializers.some((i) => i.name === 'lm_head.weight_Q4'));
    assert.equal(fusedVariantFile('q4'), 'model_q4_fused.onnx');
  });

  it('reads a tied q4 model\'s embeddings from quantized blocks: the 4-bit lm_head\'s, a GGUF\'s own 8-bit ones, else its float32 table', () => {
    assert.ok(config.tieWordEmbeddings, 'the tiny shape ties its embeddings');
    const tables = (weights: WeightSource) => {
      const g = buildLlamaFusedGraph(config, weights, fusedPrecisionFor('q4'));
      const gathers = g.nodeList.filter((n) => n.opType === 'GatherBlockQuantized');
      return { gathers, floatTable: g.initializers.some((i) => i.name === 'model.embed_tokens.weight') };
    };
    const float = tables(taggedWeights(config));
    assert.equal(float.floatTable, false);
    assert.equal(float.gathers.length, 1);
    assert.equal(float.gathers[0]!.input![0], 'lm_head.weight_Q4', 'the lookup reads the head\'s own initializer');
    // A GGUF whose token_embd is Q8_0: the lookup reads its own 8-bit blocks, exact to the file.
    const unloaded = () => assert.fail('building a graph loads no blocks');
    const ggufQ8Embedding: WeightSource = {
      ...taggedWeights(config),
      quantized: (name, bits) => (name === 'model.embed_tokens.weight' && bits === 8 ? { hasOffsets: false, load: unloaded } : undefined),
    };
    const q8 = tables(ggufQ8Embedding);
    assert.equal(q8.floatTable, false);
    assert.equal(q8.gathers[0]!.input![0], 'lm_head.weight_Q8');
    assert.equal(q8.gathers[0]!.attribute!.find((a) => a.name === 'bits')!.i, 8);
    // A GGUF that stores the table in a type without blocks here (F16, Q6_K): the float32 table stays, never quantized again.
    const f16 = tables({ ...taggedWeights(config), quantized: () => undefined });
    assert.equal(f16.floatTable, true);
    assert.equal(f16.gathers.length, 0);
    // fp32 keeps the float table, shared with its float lm_head.
    const fp32 = buildLlamaFusedGraph(config, taggedWeights(config), fusedPrecisionFor('fp32'));
    assert.ok(fp32.initializers.some((i) => i.name === 'model.embed_tokens.weight'));
  });

  it('computes rotary caches as cos/sin of position times HF inverse frequencies', () => {
    const { cos, sin } = rotaryCaches(config);
    const half = config.headDim / 2;
    const inv = ropeInvFreq(config.headDim, config.ropeTheta);
    assert.equal(cos.length, config.maxPositionEmbeddings * half);
    assert.equal(cos[0], 1);
    assert.ok(Math.abs(sin[5 * half + 1] - Math.sin(Math.fround(5 * inv[1]))) < 1e-7);
  });

  it('rejects float16, whose GQA kernels the fused graph does not target', () => {
    assert.throws(() => buildLlamaFusedGraph(config, taggedWeights(config), precisionFor('fp16')), /computes in float32/);
  });
});
