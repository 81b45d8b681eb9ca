/**
 * @file The one interface both runtimes implement for the benchmark, so that one measurement
 * plan (`plan.ts`) drives both and neither gets a different sequence of calls.
 */
import type { BenchGraph } from '../options';
import type { BenchPrompt } from '../prompts';
import type { Dtype } from '../../../src/model/configTypes';

/** Timing of one greedy generation. */
export interface GenerationTiming {
  /** From the call to the first new token (prefill plus one sampling step). */
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
  /** New tokens generated. */
  readonly tokens: number;
  /** Prompt tokens taken from the cache, where the runtime reports it. */
  readonly reusedTokens?: number;
}

/** A loaded model in one runtime. */
export interface LoadedModel {
  /**
   * Greedily generates `newTokens` tokens after `prompt`, never stopping at end-of-sequence.
   * `reuseCache` asks to reuse the cache left by the previous call (ignored where unsupported).
   */
  generate(prompt: BenchPrompt, newTokens: number, reuseCache: boolean): Promise<GenerationTiming>;
  dispose(): Promise<void>;
}

/** How to load models in one runtime. */
export interface BenchRuntime {
  /** Whether `generate` can reuse the previous call's cache. */
  readonly supportsReuse: boolean;
  /** Imports the runtime's modules, so that load timings measure loading the model only. */
  warmUp(): Promise<void>;
  /** Loads `dtype`'s plain file (`onnx/model_<dtype>.onnx`) or its fused one (`…_fused.onnx`). */
  load(modelDir: string, dtype: Dtype, threads: number, graph: BenchGraph): Promise<LoadedModel>;
}
