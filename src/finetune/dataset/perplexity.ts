/**
 * @file The optional perplexity filter: the base model scores each kept file, and files far
 * above the others' perplexity (noise, data, encoded blobs the other filters missed) are
 * dropped, as Refact's fine-tuning filters files by the base model's loss
 * (https://github.com/smallcloudai/refact). Outliers are found with the modified z-score over log-perplexity
 * (Iglewicz and Hoaglin, https://www.itl.nist.gov/div898/handbook/eda/section3/eda35h.htm),
 * which a few extreme files cannot mask. The engine does not yet expose per-token
 * log-probabilities, so the model-backed scorer is supplied by the caller.
 */

/** Scores a text with a language model. */
export interface PerplexityScorer {
  /** The perplexity of `text`: exp of the mean negative log-likelihood per token. */
  perplexity(text: string, signal?: AbortSignal): Promise<number>;
}

/** Modified z-score above which a file counts as an outlier (the handbook's 3.5). */
export const OUTLIER_Z = 3.5;

const median = (sorted: readonly number[]) => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The indices of high-perplexity outliers among `perplexities`. */
export function perplexityOutliers(perplexities: readonly number[], z = OUTLIER_Z): Set<number> {
  const logs = perplexities.map((p) => Math.log(p));
  if (logs.length < 3) return new Set();
  const center = median([...logs].sort((a, b) => a - b));
  const mad = median(logs.map((l) => Math.abs(l - center)).sort((a, b) => a - b));
  if (mad === 0) return new Set(logs.flatMap((l, i) => (l > center ? [i] : [])));
  return new Set(logs.flatMap((l, i) => ((0.6745 * (l - center)) / mad > z ? [i] : [])));
}
