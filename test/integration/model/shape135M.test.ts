/**
 * @file `smolcode make-model --shape 135M` end to end: the fp32 ONNX file holds exactly the
 * 134,515,008 parameters of SmolLM2-135M (tied embeddings stored once), and the folder loads
 * and generates in both onnxruntime-node and transformers.js. Takes about 15 s.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { main } from '../../../src/cli/main';
import { llamaWeightShapes } from '../../../src/model/llamaMath';
import { SHAPES } from '../../../src/model/shapes';
import { greedyGenerate, openOrtModel } from '../../support/ortModel';

const { AutoModelForCausalLM, env } = await import('@huggingface/transformers');

const SMOLLM2_135M_PARAMETERS = 134_515_008;

describe('make-model --shape 135M', () => {
  const root = mkdtempSync(join(tmpdir(), 'smolcode-135m-'));
  const dir = join(root, 'SmolLM2-135M-random');
  before(async () => {
    const code = await main(['make-model', '--shape', '135M', '--seed', '3', '--dtypes', 'fp32', '--out', dir]);
    assert.equal(code, 0);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes an fp32 ONNX file with exactly the SmolLM2-135M parameter count', () => {
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'model.onnx')));
    const weightNames = new Set(llamaWeightShapes(SHAPES['135M']).keys());
    let parameters = 0;
    const initializers = model.graph?.initializer ?? [];
    for (const t of initializers) {
      const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
      if (weightNames.has(t.name ?? '')) parameters += count;
      else assert.ok(count <= 64, `unexpected large initializer ${t.name} with ${count} elements`);
    }
    assert.equal(parameters, SMOLLM2_135M_PARAMETERS);
    assert.equal(initializers.filter((t) => t.name === 'model.embed_tokens.weight').length, 1);
  });

  it('loads in onnxruntime-node and transformers.js and both generate the same tokens', async () => {
    const prompt = [1, 504, 3458, 30, 216];
    const ours = await openOrtModel(join(dir, 'onnx', 'model.onnx'));
    const expected = await greedyGenerate(ours, prompt, 4, SHAPES['135M'].vocabSize);
    await ours.session.release();

    env.allowRemoteModels = false;
    const model = await AutoModelForCausalLM.from_pretrained(dir, { dtype: 'fp32', device: 'cpu' });
    try {
      const { Tensor } = await import('@huggingface/transformers');
      const inputIds = new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
      const attentionMask = new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
      const out = (await model.generate({ input_ids: inputIds, attention_mask: attentionMask, max_new_tokens: 4, do_sample: false })) as { data: BigInt64Array };
      const theirs = Array.from(out.data, Number).slice(prompt.length);
      assert.deepEqual(theirs, expected.slice(0, theirs.length));
      assert.ok(theirs.length > 0);
    } finally {
      await model.dispose();
    }
  });
});
