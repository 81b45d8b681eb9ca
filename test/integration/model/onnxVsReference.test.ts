/**
 * @file The fp32 ONNX inference graph, run by onnxruntime-node, against the plain TypeScript
 * reference forward: logits must agree within 1e-4 max abs for GQA, multi-head attention,
 * untied embeddings, a left-padded batch, and a prompt fed whole versus token by token
 * through the KV cache.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelConfig } from '../../../src/model/config';
import { referenceForward } from '../../support/referenceForward';
import { loadWeights, makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';
import { maxAbsDiff, openOrtModel, runOrt, type OrtModel } from '../../support/ortModel';

const TOLERANCE = 1e-4;
// A reduced vocabulary keeps the reference's lm_head cheap; no tokenizer is involved here.
const VOCAB = 512;
const PROMPT = [17, 3, 400, 255, 9, 77, 128, 301];

interface Fixture {
  model: TempModel;
  ort: OrtModel;
  weights: (name: string) => Float32Array;
}

async function fixture(config: ModelConfig, seed: number): Promise<Fixture> {
  const model = makeTempModel({ config, seed });
  return { model, ort: await openOrtModel(`${model.dir}/onnx/model.onnx`), weights: loadWeights(model.dir) };
}

function compareOnePass(getFixture: () => Fixture) {
  return async () => {
    const f = getFixture();
    const positions = PROMPT.map((_, i) => i);
    const mask = PROMPT.map(() => 1);
    const ours = await runOrt(f.ort, [PROMPT], [mask], [positions]);
    const ref = referenceForward(f.model.config, f.weights, { inputIds: [PROMPT], attentionMask: [mask], positionIds: [positions] });
    const diff = maxAbsDiff(ours.logits, ref.logits);
    assert.ok(diff < TOLERANCE, `logits max abs diff ${diff}`);
    // Logits of order one make the 1e-4 bound meaningful.
    assert.ok(Math.max(...ref.logits.map(Math.abs)) > 0.5, 'reference logits are too small to compare');
    for (let i = 0; i < ref.present.length; i++) {
      assert.ok(maxAbsDiff(ours.present[i].key, ref.present[i].key) < TOLERANCE, `present.${i}.key`);
      assert.ok(maxAbsDiff(ours.present[i].value, ref.present[i].value) < TOLERANCE, `present.${i}.value`);
    }
  };
}

describe('ONNX graph versus the TypeScript reference', () => {
  const fixtures = new Map<string, Fixture>();
  const get = (name: string) => () => fixtures.get(name)!;

  before(async () => {
    fixtures.set('gqa', await fixture(tinyConfig({ vocabSize: VOCAB }), 1));
    fixtures.set('mha', await fixture(tinyConfig({ vocabSize: VOCAB, numKeyValueHeads: 4 }), 2));
    fixtures.set('untied', await fixture(tinyConfig({ vocabSize: VOCAB, tieWordEmbeddings: false, ropeTheta: 10000 }), 3));
  });
  after(async () => {
    for (const f of fixtures.values()) {
      await f.ort.session.release();
      f.model.dispose();
    }
  });

  it('matches for tiny grouped-query attention (4 heads, 2 KV heads)', compareOnePass(get('gqa')));
  it('matches for tiny multi-head attention (KV heads = heads)', compareOnePass(get('mha')));
  it('matches with an untied lm_head', compareOnePass(get('untied')));

  it('matches on a left-padded batch, and padding does not change the real rows', async () => {
    const f = get('gqa')();
    const short = PROMPT.slice(3);
    const pad = PROMPT.length - short.length;
    const inputIds = [PROMPT, [...Array(pad).fill(2), ...short]];
    const attentionMask = [PROMPT.map(() => 1), PROMPT.map((_, i) => (i < pad ? 0 : 1))];
    // HF: position_ids = cumsum(mask) - 1, with padded positions set to 1.
    const positionIds = [PROMPT.map((_, i) => i), PROMPT.map((_, i) => (i < pad ? 1 : i - pad))];
    const ours = await runOrt(f.ort, inputIds, attentionMask, positionIds);
    assert.ok(ours.logits.every(Number.isFinite), 'padded batch produced NaN or infinite logits');
    const ref = referenceForward(f.model.config, f.weights, { inputIds, attentionMask, positionIds });
    const diff = maxAbsDiff(ours.logits, ref.logits);
    assert.ok(diff < TOLERANCE, `logits max abs diff ${diff}`);

    const alone = await runOrt(f.ort, [short], [short.map(() => 1)], [short.map((_, i) => i)]);
    const paddedRows = ours.logits.subarray((PROMPT.length + pad) * VOCAB, 2 * PROMPT.length * VOCAB);
    const rowDiff = maxAbsDiff(paddedRows, alone.logits);
    assert.ok(rowDiff < TOLERANCE, `padded row differs from the unpadded run by ${rowDiff}`);
  });

  it('gives the same logits for a prompt in one pass and token by token through the KV cache', async () => {
    const f = get('gqa')();
    const whole = await runOrt(f.ort, [PROMPT], [PROMPT.map(() => 1)], [PROMPT.map((_, i) => i)]);
    // First half in one call, then one token per call, feeding present back as past.
    const split = 3;
    const first = PROMPT.slice(0, split);
    let step = await runOrt(f.ort, [first], [first.map(() => 1)], [first.map((_, i) => i)]);
    const pieces = [step.logits];
    let refPast = referenceForward(f.model.config, f.weights, {
      inputIds: [first],
      attentionMask: [first.map(() => 1)],
      positionIds: [first.map((_, i) => i)],
    }).present;
    for (let i = split; i < PROMPT.length; i++) {
      const mask = [Array(i + 1).fill(1)];
      step = await runOrt(f.ort, [[PROMPT[i]]], mask, [[i]], step.present);
      pieces.push(step.logits);
      const ref = referenceForward(f.model.config, f.weights, { inputIds: [[PROMPT[i]]], attentionMask: mask, positionIds: [[i]], past: refPast });
      refPast = ref.present;
      const refDiff = maxAbsDiff(step.logits, ref.logits);
      assert.ok(refDiff < TOLERANCE, `step ${i}: ORT vs reference with cache differ by ${refDiff}`);
    }
    const incremental = new Float32Array(whole.logits.length);
    let offset = 0;
    for (const p of pieces) {
      incremental.set(p, offset);
      offset += p.length;
    }
    const diff = maxAbsDiff(whole.logits, incremental);
    assert.ok(diff < TOLERANCE, `one pass vs token by token: max abs diff ${diff}`);
  });
});
