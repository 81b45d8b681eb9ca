/**
 * @file The one seeded PRNG of the project: mulberry32, whose whole state is a 32-bit integer,
 * so anything that must be reproducible for a seed (sampling, random weights, data splits,
 * LoRA init, checkpoints that resume exactly) draws from it.
 */

/** Advances a mulberry32 state; returns the next state and a uniform float in [0, 1). */
export function mulberry32Step(state: number): { readonly state: number; readonly value: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { state: next, value: ((t ^ (t >>> 14)) >>> 0) / 4294967296 };
}

/** Returns a function yielding uniform floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const step = mulberry32Step(state);
    state = step.state;
    return step.value;
  };
}
