/**
 * @file The model-backed perplexity scorer: runs a model folder's plain fp32 ONNX graph over
 * the first tokens of a file in one pass (an empty KV cache) and turns the log-probabilities
 * of each next token into a perplexity. The head of a file is enough to tell code the model
 * reads as code from data, noise and encoded blobs, at a bounded cost per file.
 */
import { join } from 'node:path';
import { CausalLmSession } from '../../runtime/session';
import { meanNegativeLogLikelihood } from '../../runtime/tokenLoss';
import type { PerplexityScorer } from './perplexity';

export interface ModelScorerOptions {
  /** Tokens of each file that are scored (default 256). */
  readonly maxTokens?: number;
  readonly threads?: number;
}

/** Opens the scorer on `modelDir` (which needs onnx/model.onnx); `encode` is the model's tokenizer. */
export async function openModelScorer(
  modelDir: string,
  encode: (text: string) => number[],
  options: ModelScorerOptions = {},
): Promise<PerplexityScorer & { dispose(): Promise<void> }> {
  const session = await CausalLmSession.open(join(modelDir, 'onnx', 'model.onnx'), { device: 'cpu', threads: options.threads ?? 0 });
  const maxTokens = options.maxTokens ?? 256;
  return {
    async perplexity(text, signal) {
      signal?.throwIfAborted();
      const ids = encode(text).slice(0, maxTokens);
      // One token predicts nothing; such a file is scored as perfectly ordinary.
      if (ids.length < 2) return 1;
      const logits = await session.allLogits(ids);
      return Math.exp(meanNegativeLogLikelihood(logits, ids, logits.length / ids.length));
    },
    dispose: () => session.dispose(),
  };
}
