/**
 * @file The model-backed perplexity scorer: runs a model folder's plain fp32 ONNX graph over
 * the first tokens of a file in one pass (an empty KV cache) and turns the log-probabilities
 * of each next token into a perplexity. The head of a file is enough to tell code the model
 * reads as code from data, noise and encoded blobs, at a bounded cost per file.
 */
import { join } from 'node:path';
import { readModelConfig } from '../../model/config';
import { GraphSession } from '../../runtime/session';
import type { PerplexityScorer } from './perplexity';

export interface ModelScorerOptions {
  /** Tokens of each file that are scored (default 256). */
  readonly maxTokens?: number;
  readonly threads?: number;
}

/** Mean negative log-likelihood of `ids[1..]` given the logits rows of `ids[..-1]`. */
export function meanNegativeLogLikelihood(logits: Float32Array, ids: readonly number[], vocab: number): number {
  let total = 0;
  for (let position = 0; position + 1 < ids.length; position++) {
    const row = logits.subarray(position * vocab, (position + 1) * vocab);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    total += max + Math.log(sum) - (row[ids[position + 1] as number] as number);
  }
  return total / (ids.length - 1);
}

/** Opens the scorer on `modelDir` (which needs onnx/model.onnx); `encode` is the model's tokenizer. */
export async function openModelScorer(
  modelDir: string,
  encode: (text: string) => number[],
  options: ModelScorerOptions = {},
): Promise<PerplexityScorer & { dispose(): Promise<void> }> {
  const config = readModelConfig(join(modelDir, 'config.json'));
  const session = await GraphSession.open(join(modelDir, 'onnx', 'model.onnx'), { device: 'cpu', threads: options.threads ?? 0 });
  const maxTokens = options.maxTokens ?? 256;
  const emptyPast = { data: new Float32Array(0), dims: [1, config.numKeyValueHeads, 0, config.headDim] };
  return {
    async perplexity(text, signal) {
      signal?.throwIfAborted();
      const ids = encode(text).slice(0, maxTokens);
      // One token predicts nothing; such a file is scored as perfectly ordinary.
      if (ids.length < 2) return 1;
      const n = ids.length;
      const feeds: Parameters<GraphSession['run']>[0] = {
        input_ids: { data: BigInt64Array.from(ids, BigInt), dims: [1, n] },
        attention_mask: { data: new BigInt64Array(n).fill(1n), dims: [1, n] },
        position_ids: { data: BigInt64Array.from(ids, (_, i) => BigInt(i)), dims: [1, n] },
      };
      for (let layer = 0; layer < config.numHiddenLayers; layer++) {
        feeds[`past_key_values.${layer}.key`] = emptyPast;
        feeds[`past_key_values.${layer}.value`] = emptyPast;
      }
      const { logits } = await session.run(feeds, ['logits']);
      return Math.exp(meanNegativeLogLikelihood(logits as Float32Array, ids, config.vocabSize));
    },
    dispose: () => session.dispose(),
  };
}
