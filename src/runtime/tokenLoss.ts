/**
 * @file The loss of the next token under a model's logits, for scoring text (the dataset's
 * perplexity filter, `smolcode eval bpb`): −log softmax(row)[target] in nats, summed in float64
 * with the row's maximum subtracted first, so large logits cannot overflow `exp`.
 */

/** −log p(`target`) in nats under row `row` of row-major `logits` ([rows, vocab]). */
export function tokenNegativeLogLikelihood(logits: Float32Array, row: number, vocab: number, target: number): number {
  if (!(target >= 0 && target < vocab)) throw new Error(`token id ${target} is outside the vocabulary of ${vocab}`);
  const values = logits.subarray(row * vocab, (row + 1) * vocab);
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if ((values[i] as number) > max) max = values[i] as number;
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp((values[i] as number) - max);
  return max + Math.log(sum) - (values[target] as number);
}

/** Mean negative log-likelihood of `ids[1..]` given the logits rows of `ids[..-1]`. */
export function meanNegativeLogLikelihood(logits: Float32Array, ids: readonly number[], vocab: number): number {
  let total = 0;
  for (let position = 0; position + 1 < ids.length; position++) {
    total += tokenNegativeLogLikelihood(logits, position, vocab, ids[position + 1] as number);
  }
  return total / (ids.length - 1);
}
