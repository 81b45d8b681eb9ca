/**
 * @file Several suggestions for one explicit request (Alt+\, then Alt+] / Alt+[ step through
 * them): the first is the greedy suggestion an automatic request shows, the others are sampled.
 * Every choice runs the whole pipeline on the same prompt, one after another on the completion
 * slot, so the engine prefills the prompt once and each later choice starts from its cached
 * state and kept logits (engine.ts): a fork of the prompt's cache per choice, not a new prefill.
 */
import type { SamplingOptions } from '../runtime/generation/sampler';
import { runPipeline, type ModelRunStats, type PipelineOptions, type RunModel } from './pipeline';
import type { CompletionInput } from './types';

/** Bounds of `smolcode.completion.choices`. */
export const MIN_CHOICES = 1;
export const MAX_CHOICES = 5;

/** The setting's value within its bounds (a hand-edited settings.json is not checked by VS Code). */
export function clampChoices(value: number): number {
  if (!Number.isFinite(value)) return MIN_CHOICES;
  return Math.min(MAX_CHOICES, Math.max(MIN_CHOICES, Math.round(value)));
}

/**
 * Sampling of choice `index` (0-based): greedy for the first, so it equals the automatic
 * suggestion; then a moderate temperature with nucleus sampling, which varies a line without
 * leaving the code's style. A fixed seed per index makes a request's choices repeatable.
 */
export function choiceSampling(index: number): SamplingOptions | undefined {
  if (index === 0) return undefined;
  return { temperature: 0.7, topK: 40, topP: 0.95, seed: 1000 + index };
}

/**
 * The distinct non-empty suggestions of `texts` in their order, at most `count`: two choices
 * that differ only in trailing whitespace would look the same as ghost text, so they count as one.
 */
export function distinctChoices(texts: readonly string[], count: number): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const text of texts) {
    const key = text.trimEnd();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    kept.push(text);
    if (kept.length >= count) break;
  }
  return kept;
}

/**
 * Model runs to spend on `count` distinct choices: a duplicate sample is retried, but never
 * more than `count - 1` times, so a confident model costs at most twice its choices.
 */
export function maxChoiceRuns(count: number): number {
  return count <= 1 ? 1 : 2 * count - 1;
}

export interface Choices {
  readonly texts: readonly string[];
  /** Model runs made (the first is the greedy one). */
  readonly runs: number;
  /** Each run's stats, in order (a run a cancellation cut short may have none). */
  readonly stats: readonly (ModelRunStats | undefined)[];
}

/** Up to `count` distinct suggestions for `input`, the greedy one first; `signal` cancels them all. */
export async function runChoices(input: CompletionInput, options: PipelineOptions, runModel: RunModel, count: number, signal: AbortSignal): Promise<Choices> {
  const texts: string[] = [];
  const stats: (ModelRunStats | undefined)[] = [];
  const limit = maxChoiceRuns(count);
  let distinct: string[] = [];
  for (let run = 0; run < limit && distinct.length < count && !signal.aborted; run++) {
    const suggestion = await runPipeline(input, options, runModel, signal, choiceSampling(run));
    texts.push(suggestion.text);
    stats.push(suggestion.stats);
    distinct = distinctChoices(texts, count);
    // No greedy suggestion: the model has nothing to say here, and samples would be noise.
    if (run === 0 && distinct.length === 0) break;
  }
  return { texts: distinct, runs: stats.length, stats };
}
