/**
 * @file Seeded randomness and the train/validation split. Everything random is derived from a
 * hash of the seed and a key (a file path), never from a shared generator's call order, so one
 * file's samples and split do not change when other files are added or removed.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '../../graph/random';

/** A 32-bit value from a seed and a key. */
function hash32(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}\0${key}`).digest().readUInt32LE(0);
}

/** Uniform floats in [0, 1) (mulberry32, see graph/random.ts). */
export type Random = () => number;

/** A generator of numbers in [0, 1) determined by `seed` and `key`. */
export function keyedRandom(seed: number, key: string): Random {
  return seededRandom(hash32(seed, key));
}

/**
 * The paths that go to validation: the `fraction` of files that come first when ordered by a
 * seeded hash of their path, at least one when there are two or more files (so a small
 * repository still has a validation set), and never all of them.
 */
export function validationPaths(paths: readonly string[], fraction: number, seed: number): Set<string> {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`the validation fraction must be in [0, 1), got ${fraction}`);
  const count = paths.length < 2 || fraction === 0 ? 0 : Math.min(paths.length - 1, Math.max(1, Math.round(paths.length * fraction)));
  const ordered = paths.map((path) => ({ path, key: hash32(seed, path) })).sort((a, b) => a.key - b.key || (a.path < b.path ? -1 : 1));
  return new Set(ordered.slice(0, count).map((e) => e.path));
}
