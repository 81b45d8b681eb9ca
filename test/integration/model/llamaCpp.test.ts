/**
 * @file Greedy generation on the real SmolLM2-135M-Instruct GGUF against llama.cpp
 * (node-llama-cpp's prebuilt CPU build) on the same file and the same token ids. llama.cpp
 * computes with the quantized Q4_1/Q8_0 weights and 8-bit activations, we compute in float32 from
 * the dequantized weights, so continuations may part where two tokens are nearly tied: each
 * prompt must agree throughout, or part where our float32 logits of the two picks are within
 * MAX_SPLIT_MARGIN. The diagnostics say how many tokens agree, and for our q4 graph too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../../src/runtime/engine';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { importedModel, llamaCppGreedy, preparedGguf, preparedLlamaCpp } from '../../support/realModel';
import { loadTestTokenizer } from '../../support/tokenizer';

const NEW_TOKENS = 32;
/** Logits; a split at a wider margin than this means the two models disagree, not a near-tie. */
const MAX_SPLIT_MARGIN = 0.25;
const PROMPTS = [
  'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n',
  'import numpy as np\n\ndef normalize(v):\n',
  'function debounce(fn, ms) {\n',
  '<|im_start|>user\nWhat is a Python list comprehension?<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>user\nWrite a SQL query that counts users per country.<|im_end|>\n<|im_start|>assistant\n',
];

function agreed(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < Math.min(a.length, b.length) && a[n] === b[n]) n++;
  return n;
}

describe('greedy generation beside llama.cpp on the same GGUF', () => {
  it('agrees token for token, or parts only at a near-tie (fp32); q4 reported', async (t) => {
    const gguf = preparedGguf(t);
    const llamaCpp = gguf && preparedLlamaCpp(t);
    if (!gguf || !llamaCpp) return;
    const dir = await importedModel(gguf, ['fp32', 'q4']);
    const tokenizer = await loadTestTokenizer();
    const ids = PROMPTS.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
    const theirs = llamaCppGreedy(llamaCpp, gguf, ids, NEW_TOKENS);
    const reference = await openOrtModel(join(dir, 'onnx', 'model.onnx'));
    try {
      for (const dtype of ['fp32', 'q4'] as const) {
        const engine = await Engine.load({ modelDir: dir, dtype, device: 'cpu', threads: 2, graph: 'plain' });
        try {
          for (const [p, text] of PROMPTS.entries()) {
            const ours = (await engine.complete({ slot: 'x', prompt: text, maxNewTokens: NEW_TOKENS, reuseCache: false })).tokens;
            const n = agreed(ours, theirs[p]);
            const end = Math.min(ours.length, theirs[p].length);
            let margin: number | undefined;
            if (n < end) {
              const context = [...ids[p], ...ours.slice(0, n)];
              const { logits } = await runOrt(reference, [context], [context.map(() => 1)], [context.map((_, i) => i)]);
              const row = logits.subarray(logits.length - logits.length / context.length);
              margin = row[ours[n]] - row[theirs[p][n]];
            }
            t.diagnostic(`${dtype} prompt ${p}: ${n}/${end} tokens agree${margin === undefined ? '' : `; at the split our fp32 logits differ by ${margin.toFixed(3)}`}`);
            if (dtype === 'fp32' && margin !== undefined) {
              assert.ok(Math.abs(margin) <= MAX_SPLIT_MARGIN, `prompt ${p}: parts after ${n} tokens at a margin of ${margin}`);
            }
          }
        } finally {
          await engine.dispose();
        }
      }
    } finally {
      await reference.session.release();
    }
  });
});
