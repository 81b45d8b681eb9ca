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
import type { TensorToWrite } from '../graph/safetensors';
import { seededRandom } from '../graph/random';

/** 32-bit FNV-1a of a string, to derive per-tensor seeds. */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Uniform floats in (0, 1] from the shared mulberry32 stream (never 0, for Box-Muller's log). */
function positiveUniform(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => uniform() + 2 ** -32;
}

/** `count` normal(mean, std) floats from the stream of (seed, name), by Box-Muller. */
export function seededNormal(seed: number, name: string, count: number, mean: number, std: number): Float32Array {
  const uniform = positiveUniform(hashString(name, seed));
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
