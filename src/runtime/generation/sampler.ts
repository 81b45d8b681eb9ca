/**
 * @file Picks the next token from one position's logits: repetition penalty, then greedy or
 * temperature / top-k / top-p sampling, in the order Hugging Face's `generate` applies them.
 * The logits array is modified in place (it is the engine's scratch copy), so the vocabulary
 * is never copied again.
 */
import { seededRandom } from '../../graph/random';

export interface SamplingOptions {
  /** 0 or undefined: greedy. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens; 0 or undefined: all. */
  readonly topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 or undefined: all. */
  readonly topP?: number;
  /** > 1 makes tokens already in the sequence less likely (CTRL-style, as in transformers). */
  readonly repetitionPenalty?: number;
  /** Seed for sampling; the same seed and inputs give the same tokens. */
  readonly seed?: number;
}

/** Validates options at the boundary, naming the bad value and the allowed range. */
export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature = 0, topK = 0, topP = 1, repetitionPenalty = 1 } = options;
  if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be an integer >= 0, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  if (!(repetitionPenalty > 0)) throw new RangeError(`repetitionPenalty must be > 0, got ${repetitionPenalty}`);
}

/** Index of the largest value (the first one on ties, like torch.argmax). */
export function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = values[0] ?? -Infinity;
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Applies the repetition penalty to every distinct token id in `seen`, in place. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    const v = logits[id];
    if (v === undefined) continue;
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
}

/** A stateful sampler: one per generation, so its random stream follows the seed. */
export class Sampler {
  private readonly random: () => number;

  constructor(private readonly options: SamplingOptions = {}) {
    checkSamplingOptions(options);
    this.random = seededRandom(options.seed ?? 0);
  }

  /** Chooses the next token; `history` is every token id of the sequence so far. */
  next(logits: Float32Array, history: readonly number[]): number {
    applyRepetitionPenalty(logits, history, this.options.repetitionPenalty ?? 1);
    const temperature = this.options.temperature ?? 0;
    if (temperature === 0) return argmax(logits);
    return this.sample(logits, temperature);
  }

  private sample(logits: Float32Array, temperature: number): number {
    const topK = this.options.topK ?? 0;
    const topP = this.options.topP ?? 1;
    // Only candidates that can survive top-k are sorted; the full vocabulary is scanned once.
    const candidates = topCandidates(logits, topK > 0 ? topK : logits.length);
    let max = -Infinity;
    for (const id of candidates) max = Math.max(max, (logits[id] as number) / temperature);
    const weights = candidates.map((id) => Math.exp((logits[id] as number) / temperature - max));
    const total = weights.reduce((a, b) => a + b, 0);
    let kept = candidates.length;
    if (topP < 1) {
      let mass = 0;
      for (let i = 0; i < candidates.length; i++) {
        mass += (weights[i] as number) / total;
        if (mass >= topP) {
          kept = i + 1;
          break;
        }
      }
    }
    const keptTotal = weights.slice(0, kept).reduce((a, b) => a + b, 0);
    let r = this.random() * keptTotal;
    for (let i = 0; i < kept; i++) {
      r -= weights[i] as number;
      if (r < 0) return candidates[i] as number;
    }
    return candidates[kept - 1] as number;
  }
}

/** Token ids of the `k` largest logits, largest first. */
function topCandidates(logits: Float32Array, k: number): number[] {
  if (k >= logits.length) {
    return Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number));
  }
  const heap: number[] = [];
  for (let id = 0; id < logits.length; id++) {
    const v = logits[id] as number;
    if (heap.length < k) {
      heap.push(id);
      if (heap.length === k) heap.sort((a, b) => (logits[a] as number) - (logits[b] as number));
    } else if (v > (logits[heap[0] as number] as number)) {
      heap[0] = id;
      // Keep ascending order by one insertion pass; k is small (tens).
      for (let i = 0; i + 1 < heap.length && (logits[heap[i] as number] as number) > (logits[heap[i + 1] as number] as number); i++) {
        [heap[i], heap[i + 1]] = [heap[i + 1] as number, heap[i] as number];
      }
    }
  }
  return heap.reverse();
}
