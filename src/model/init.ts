/**
 * @file Deterministic random weights for generated models. Every tensor gets its own PRNG
 * stream seeded from (seed, tensor name), so values do not depend on generation order and a
 * writer can produce tensors one at a time. Matrices and embeddings are normal(0,
 * initializer_range) as in HF's `_init_weights`; norm weights are 1 + normal(0,
 * initializer_range) rather than HF's exact ones, so tests notice a norm weight that is dropped
 * or misapplied.
 */
import type { ModelConfig } from './config';
import { architectureFor } from './registry';
import type { TensorToWrite } from './safetensors';

/** 32-bit FNV-1a of a string, to derive per-tensor seeds. */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** mulberry32: a small, fast 32-bit PRNG; returns uniform floats in (0, 1]. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967296;
  };
}

/** `count` normal(mean, std) floats from the stream of (seed, name), by Box-Muller. */
export function seededNormal(seed: number, name: string, count: number, mean: number, std: number): Float32Array {
  const uniform = mulberry32(hashString(name, seed));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())) * std;
    const angle = 2 * Math.PI * uniform();
    out[i] = mean + r * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = mean + r * Math.sin(angle);
  }
  return out;
}

/** The tensors of a random checkpoint of `config`, each produced lazily when written. */
export function randomWeights(config: ModelConfig, seed: number): TensorToWrite[] {
  const std = config.initializerRange;
  return [...architectureFor(config).weightShapes(config)].map(([name, shape]) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const mean = name.endsWith('norm.weight') ? 1 : 0;
    return { name, shape, values: () => seededNormal(seed, name, count, mean, std) };
  });
}
