/**
 * @file A generated model folder loads in @huggingface/transformers from disk with remote
 * models disabled, for every precision variant, and its greedy `generate` equals our own greedy
 * loop over onnxruntime-node token for token. The tiny model keeps the real 49152-token
 * vocabulary so every id the real tokenizer produces is in range.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VARIANT_FILE, type OnnxVariant } from '../../../src/model/configTypes';
import { greedyGenerate, openOrtModel } from '../../support/ortModel';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');

const NEW_TOKENS = 12;
const PROMPT = 'def fibonacci(n):\n    return';

describe('transformers.js on a generated folder', () => {
  let model: TempModel;
  before(() => {
    env.allowRemoteModels = false;
    model = makeTempModel({ variants: ['fp32', 'fp16', 'q4', 'int8'], flavour: 'instruct', seed: 7 });
    env.localModelPath = dirname(model.dir);
  });
  after(() => model.dispose());

  for (const dtype of ['fp32', 'fp16', 'q4', 'int8'] satisfies OnnxVariant[]) {
    it(`greedy generate with dtype ${dtype} equals our ORT loop token for token`, async () => {
      const tokenizer = await AutoTokenizer.from_pretrained(basename(model.dir));
      const encoded = tokenizer(PROMPT);
      const promptIds = Array.from(encoded.input_ids.data as BigInt64Array, Number);
      assert.deepEqual(promptIds.slice(0, 3), [1604, 3987, 46477], 'the real SmolLM2 tokenizer was not used');

      const tjsModel = await AutoModelForCausalLM.from_pretrained(basename(model.dir), { dtype, device: 'cpu' });
      try {
        // min_new_tokens is not used: it would suppress EOS, which our loop does not.
        const output = (await tjsModel.generate({ ...encoded, max_new_tokens: NEW_TOKENS, do_sample: false })) as { data: BigInt64Array };
        const theirs = Array.from(output.data, Number).slice(promptIds.length);

        const ours = await openOrtModel(`${model.dir}/onnx/${VARIANT_FILE[dtype]}`);
        const expected = await greedyGenerate(ours, promptIds, theirs.length, model.config.vocabSize);
        await ours.session.release();
        assert.ok(theirs.length > 0, 'transformers.js generated nothing');
        assert.deepEqual(theirs, expected);
      } finally {
        await tjsModel.dispose();
      }
    });
  }
});
