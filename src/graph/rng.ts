/**
 * @file The trainer's seeded random numbers: mulberry32, whose whole state is one 32-bit
 * integer, so a checkpoint saves it exactly and a resumed run draws the same numbers.
 */
import { mulberry32Step } from './random';

/** A seeded PRNG with a serializable state; see the file header. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const step = mulberry32Step(this.state);
    this.state = step.state;
    return step.value;
  }

  /** A Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** The state, for checkpoints. */
  get saved(): number {
    return this.state;
  }

  /** A generator that continues from a saved state. */
  static restore(state: number): Rng {
    return new Rng(state);
  }
}
