/**
 * @file Non-finite values in weights. A NaN or infinity in a checkpoint or adapter does not
 * fail anywhere on its own: merging succeeds, and generation then turns every logit into NaN,
 * which the sampler reads as the end-of-sequence token (empty text, reason "eos"). So tensors
 * are scanned once as they are read from a file, where the error can still name the file and
 * the tensor; the scan is one pass over values already in memory, far cheaper than the read.
 */

/** The index of the first NaN or ±Infinity in `values`, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (values[i] - values[i] !== 0) return i;
  }
  return -1;
}

/** Why `values` (tensor `name`) cannot be used, or undefined when every value is finite. */
export function nonFiniteProblem(name: string, values: ArrayLike<number>): string | undefined {
  const at = firstNonFinite(values);
  if (at < 0) return undefined;
  return `tensor "${name}" holds a non-finite value (${values[at]} at index ${at} of ${values.length}); the file is corrupt or was saved from a diverged run`;
}
