/**
 * @file The order the trainer reads its samples in: epoch after epoch, each a permutation drawn
 * from a saved RNG state, so a resumed run continues the exact order of an uninterrupted one.
 */
import { Rng } from '../graph/rng';

/** Where the data order stands. */
export interface DataPosition {
  readonly epoch: number;
  readonly cursor: number;
  readonly epochRngState: number;
}

/** Takes the next `count` sample indices of `n`, starting new (shuffled) epochs as needed. */
export function takeSamples(position: DataPosition, count: number, n: number, shuffle: boolean): { indices: number[]; next: DataPosition } {
  let { epoch, cursor, epochRngState } = position;
  const orderOf = (state: number) => {
    const rng = Rng.restore(state);
    return { order: shuffle ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i), after: rng.saved };
  };
  let { order, after } = orderOf(epochRngState);
  const indices: number[] = [];
  while (indices.length < count) {
    if (cursor === n) {
      epoch++;
      cursor = 0;
      epochRngState = after;
      ({ order, after } = orderOf(epochRngState));
    }
    indices.push(order[cursor++]);
  }
  return { indices, next: { epoch, cursor, epochRngState } };
}
