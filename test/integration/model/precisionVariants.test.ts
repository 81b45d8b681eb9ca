/**
 * @file The fp16, int8 and q4 graphs on the same weights as fp32. The 4- and 8-bit packings
 * are checked exactly: with ORT accuracy_level 0 (float32 compute, what model_q4.onnx uses)
 * their logits must equal the reference forward run on the quantized-then-dequantized weights
 * within 1e-4, which pins the MatMulNBits layout, scales and nibble order. Distances to fp32
 * are the quantization error itself (int8 also quantizes activations); they are printed and
 * given a bound relative to the fp32 logits (4-bit error on random weights is large).
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readModelConfig } from '../../../src/model/config';
import { VARIANT_FILE, type OnnxVariant } from '../../../src/model/configTypes';
import { buildLlamaGraph } from '../../../src/model/llama';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';
import { quantizedPrecision } from '../../../src/model/precision';
import { SafetensorsFile } from '../../../src/graph/safetensors';
import { safetensorsSource } from '../../../src/model/weights';
import { maxAbsDiff, openOrtModel, runOrt } from '../../support/ortModel';
import { referenceForward } from '../../support/referenceForward';
import { dequantizedWeights, loadWeights, makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';

const PROMPT = [17, 3, 400, 255, 9, 77, 128, 301, 5, 42, 250, 1];
const MASK = PROMPT.map(() => 1);
const POSITIONS = PROMPT.map((_, i) => i);
/** Max abs error bound per variant versus fp32, as a fraction of the fp32 logits' max abs value. */
const RELATIVE_BOUND: Record<Exclude<OnnxVariant, 'fp32'>, number> = { fp16: 0.005, int8: 0.05, q4: 0.6 };

async function logits(dir: string, variant: OnnxVariant | `${string}.onnx`): Promise<Float32Array> {
  const file = variant.endsWith('.onnx') ? variant : VARIANT_FILE[variant as OnnxVariant];
  const model = await openOrtModel(join(dir, 'onnx', file));
  try {
    return (await runOrt(model, [PROMPT], [MASK], [POSITIONS])).logits;
  } finally {
    await model.session.release();
  }
}

describe('precision variants against fp32', () => {
  let model: TempModel;
  let fp32: Float32Array;
  before(async () => {
    model = makeTempModel({ config: tinyConfig({ vocabSize: 512 }), variants: ['fp32', 'fp16', 'q4', 'int8'], seed: 11 });
    fp32 = await logits(model.dir, 'fp32');
  });
  after(() => model.dispose());

  for (const variant of ['fp16', 'int8', 'q4'] as const) {
    it(`${variant} logits stay within ${RELATIVE_BOUND[variant] * 100}% of the fp32 logit range`, async () => {
      const ours = await logits(model.dir, variant);
      const scale = Math.max(...fp32.map(Math.abs));
      const diff = maxAbsDiff(ours, fp32);
      console.log(`${variant}: max abs logit error vs fp32 ${diff.toExponential(3)} (fp32 max abs ${scale.toFixed(3)})`);
      assert.ok(diff > 0, `${variant} is bit-identical to fp32; the variant was not applied`);
      assert.ok(diff < RELATIVE_BOUND[variant] * scale, `${variant}: max abs error ${diff} vs fp32 scale ${scale}`);
    });
  }

  for (const [variant, bits] of [['int8', 8], ['q4', 4]] as const) {
    it(`${bits}-bit weights at accuracy level 0 equal the reference forward on dequantized weights within 1e-4`, async () => {
      const config = readModelConfig(join(model.dir, 'config.json'));
      const file = SafetensorsFile.open(join(model.dir, 'model.safetensors'));
      try {
        const graph = buildLlamaGraph(config, safetensorsSource(file), quantizedPrecision(variant, bits, 0));
        writeOnnxModel(graph, join(model.dir, 'onnx', `exact_${bits}.onnx`));
      } finally {
        file.close();
      }
      const ours = await logits(model.dir, `exact_${bits}.onnx`);
      const weights = dequantizedWeights(loadWeights(model.dir), model.config, bits);
      const ref = referenceForward(model.config, weights, { inputIds: [PROMPT], attentionMask: [MASK], positionIds: [POSITIONS] });
      const diff = maxAbsDiff(ours, ref.logits);
      assert.ok(diff < 1e-4, `${variant}: max abs diff ${diff}`);
    });
  }
});
