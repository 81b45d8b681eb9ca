/**
 * @file The attention mask of an unpadded sequence: all ones, fed as a prefix view of one
 * buffer so a step allocates nothing. The buffer grows with the longest sequence run so far
 * rather than being sized for the model's context up front: a config.json claiming
 * max_position_embeddings 1e9 made that one allocation 8 GB.
 */

/** A growing all-ones int64 buffer; `prefix(n)` views its first `n` entries. */
export class OnesMask {
  private ones = new BigInt64Array(0);

  /** `n` ones; valid until the next call that grows the buffer. */
  prefix(n: number): BigInt64Array {
    if (n > this.ones.length) {
      // Doubling keeps a sequence that grows one token per step to O(log n) reallocations.
      this.ones = new BigInt64Array(Math.max(n, 2 * this.ones.length, 64)).fill(1n);
    }
    return this.ones.subarray(0, n);
  }
}
