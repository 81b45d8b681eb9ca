import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openModelScorer } from '../../../src/finetune/dataset/modelScorer';
import { meanNegativeLogLikelihood } from '../../../src/runtime/tokenLoss';
import { perplexityOutliers } from '../../../src/finetune/dataset/perplexity';
import { loadTokenizer, type TextTokenizer } from '../../../src/runtime/tokenizer';
import { CausalLmSession } from '../../../src/runtime/session';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { join } from 'node:path';

const CODE = 'export function clamp(value: number, low: number, high: number): number {\n  return Math.min(high, Math.max(low, value));\n}\n';

describe('model-backed perplexity scorer', () => {
  let model: TempModel;
  let tokenizer: TextTokenizer;

  before(async () => {
    model = makeTempModel();
    tokenizer = await loadTokenizer(model.dir);
  });

  after(() => model.dispose());

  it('equals exp of the loss computed token by token through the KV cache', async () => {
    const scorer = await openModelScorer(model.dir, tokenizer.encode, { threads: 1 });
    const session = await CausalLmSession.open(join(model.dir, 'onnx', 'model.onnx'), { device: 'cpu', threads: 1 });
    try {
      const ids = tokenizer.encode(CODE);
      let kv = session.emptyKv();
      let nll = 0;
      for (let i = 0; i + 1 < ids.length; i++) {
        const out = await session.step([ids[i] as number], kv);
        kv = out.kv;
        nll += meanNegativeLogLikelihood(out.logits, [ids[i] as number, ids[i + 1] as number], out.logits.length);
      }
      const expected = Math.exp(nll / (ids.length - 1));
      const actual = await scorer.perplexity(CODE);
      assert.ok(Math.abs(actual - expected) / expected < 1e-4, `${actual} vs ${expected}`);
      assert.equal(await scorer.perplexity('x'), 1);
    } finally {
      await scorer.dispose();
      await session.dispose();
    }
  });

  it('feeds the outlier rule: a file far above the others is flagged', () => {
    assert.deepEqual([...perplexityOutliers([20, 22, 19, 21, 23, 20, 5000])], [6]);
  });
});
