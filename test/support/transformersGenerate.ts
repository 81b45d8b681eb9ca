/**
 * @file Stock transformers.js greedy `generate` on a model folder, the reference our engine's
 * output is compared against (and the baseline of the benchmark).
 */
import '../../src/runtime/telemetry';

/** Greedy new token ids from transformers.js for `promptIds`. */
export async function transformersGreedy(modelDir: string, dtype: 'fp32' | 'q4' | 'fp16', promptIds: readonly number[], maxNewTokens: number): Promise<number[]> {
  const { AutoModelForCausalLM, Tensor, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const model = await AutoModelForCausalLM.from_pretrained(modelDir, { dtype, device: 'cpu' });
  try {
    const input = new Tensor('int64', BigInt64Array.from(promptIds, BigInt), [1, promptIds.length]);
    const output = (await model.generate({
      input_ids: input,
      attention_mask: new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]),
      max_new_tokens: maxNewTokens,
      min_new_tokens: maxNewTokens,
      do_sample: false,
    })) as { data: BigInt64Array };
    return Array.from(output.data.slice(promptIds.length), Number);
  } finally {
    await model.dispose();
  }
}
