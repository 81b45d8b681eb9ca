/**
 * @file The structure of the built inference graph, without running it: hub I/O names, dtypes
 * and dims per variant, opset and domains, one stored copy of tied embeddings, quantized
 * layers, and clear errors for missing or mis-shaped weights.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type onnxProto from 'onnx-proto';
import type { ModelConfig } from '../../../src/model/config';
import { DataType } from '../../../src/graph/graphBuilder';
import { buildLlamaGraph } from '../../../src/model/llama';
import { llamaWeightShapes, ropeInvFreq } from '../../../src/model/llamaMath';
import { precisionFor } from '../../../src/model/precision';
import { SHAPES } from '../../../src/model/shapes';
import type { WeightSource } from '../../../src/model/weights';

const config: ModelConfig = { ...SHAPES.tiny, vocabSize: 300 };

/** Weights of the right shapes that are never read (the graph reads them only when written). */
function shapeOnlyWeights(c: ModelConfig, drop?: string, reshape?: string): WeightSource {
  const shapes = llamaWeightShapes(c);
  if (drop) shapes.delete(drop);
  if (reshape) shapes.set(reshape, [1, 2]);
  return {
    label: 'weights.safetensors',
    has: (name) => shapes.has(name),
    shape: (name) => shapes.get(name)!,
    read: () => {
      throw new Error('not read while building');
    },
  };
}

function dims(v: onnxProto.onnx.IValueInfoProto): (string | number)[] {
  return v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
}

describe('llama inference graph', () => {
  it('declares the hub I/O names, dtypes and dims', () => {
    const model = buildLlamaGraph(config, shapeOnlyWeights(config), precisionFor('fp32')).modelSkeleton();
    const inputs = model.graph!.input!;
    assert.deepEqual(
      inputs.map((i) => i.name),
      ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value'],
    );
    assert.deepEqual(dims(inputs[1]), ['batch_size', 'total_sequence_length']);
    assert.deepEqual(dims(inputs[3]), ['batch_size', 2, 'past_sequence_length', 16]);
    assert.equal(inputs[0].type!.tensorType!.elemType, DataType.int64);
    assert.equal(inputs[3].type!.tensorType!.elemType, DataType.float);
    const outputs = model.graph!.output!;
    assert.deepEqual(outputs.map((o) => o.name), ['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value', 'logits']);
    assert.deepEqual(dims(outputs[4]), ['batch_size', 'sequence_length', 300]);
    assert.deepEqual(model.opsetImport, [{ domain: '', version: 17 }]);
  });

  it('uses float16 I/O for fp16 and MatMulNBits (com.microsoft, block 32) for q4', () => {
    const fp16 = buildLlamaGraph(config, shapeOnlyWeights(config), precisionFor('fp16')).modelSkeleton();
    assert.equal(fp16.graph!.input![3].type!.tensorType!.elemType, DataType.float16);
    assert.equal(fp16.graph!.output![4].type!.tensorType!.elemType, DataType.float16);

    const q4 = buildLlamaGraph(config, shapeOnlyWeights(config), precisionFor('q4'));
    const proto = q4.modelSkeleton();
    assert.equal(proto.graph!.input![3].type!.tensorType!.elemType, DataType.float);
    assert.deepEqual(proto.opsetImport, [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
    const nbits = q4.nodeList.filter((n) => n.opType === 'MatMulNBits');
    assert.equal(nbits.length, 7 * config.numHiddenLayers);
    assert.ok(nbits.every((n) => n.domain === 'com.microsoft'));
    const attributes = Object.fromEntries(nbits[0].attribute!.map((a) => [a.name, Number(a.i)]));
    assert.deepEqual(attributes, { K: 64, N: 64, bits: 4, block_size: 32, accuracy_level: 0 });
    const packed = q4.initializers.find((t) => t.name === 'model.layers.0.mlp.down_proj.weight_Q4')!;
    assert.deepEqual(packed.dims, [64, 4, 16]);
    assert.equal(q4.nodeList.filter((n) => n.opType === 'MatMul' && !n.name!.includes('self_attn')).length, 0);
  });

  it('stores tied embeddings once and an untied lm_head separately', () => {
    const tied = buildLlamaGraph(config, shapeOnlyWeights(config), precisionFor('fp32'));
    const weightNames = new Set(llamaWeightShapes(config).keys());
    const stored = tied.initializers.filter((t) => weightNames.has(t.name)).map((t) => t.name);
    assert.deepEqual(stored.sort(), [...weightNames].sort());
    const others = tied.initializers.filter((t) => !weightNames.has(t.name));
    assert.ok(others.every((t) => t.byteLength <= 256), 'a large non-weight initializer (a copied embedding?)');
    const untiedConfig = { ...config, tieWordEmbeddings: false };
    const untied = buildLlamaGraph(untiedConfig, shapeOnlyWeights(untiedConfig), precisionFor('fp32'));
    assert.ok(untied.initializers.some((t) => t.name === 'lm_head.weight'));
  });

  it('names the source and tensor for missing or mis-shaped weights', () => {
    assert.throws(
      () => buildLlamaGraph(config, shapeOnlyWeights(config, 'model.layers.1.mlp.up_proj.weight'), precisionFor('fp32')),
      /^Error: weights\.safetensors: missing tensor "model\.layers\.1\.mlp\.up_proj\.weight" \(expected shape \[128,64\]\)/,
    );
    assert.throws(
      () => buildLlamaGraph(config, shapeOnlyWeights(config, undefined, 'model.norm.weight'), precisionFor('fp32')),
      /weights\.safetensors: tensor "model\.norm\.weight" has shape \[1,2\], config\.json implies \[64\]/,
    );
  });

  it('computes rotary inverse frequencies 1 / theta^(2i/d)', () => {
    const inv = ropeInvFreq(64, 100000);
    assert.equal(inv.length, 32);
    assert.equal(inv[0], 1);
    assert.ok(Math.abs(inv[1] - 100000 ** (-2 / 64)) < 1e-7);
    assert.ok(Math.abs(inv[31] - 100000 ** (-62 / 64)) < 1e-10);
  });
});
