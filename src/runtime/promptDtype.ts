/**
 * @file Which dtype prompt chunks run in (`smolcode.promptDtype`, `--prompt-dtype`). `auto` runs
 * them in int8 beside a q4 decode graph where that was measured to pay within the memory it
 * costs, and in the model's dtype everywhere else.
 */
import type { ModelConfig } from '../model/config';
import type { Dtype } from '../model/configTypes';
import { layerWeightCount } from '../model/shapes';

export const PROMPT_DTYPE_OPTIONS = ['auto', 'same', 'int8'] as const;
export type PromptDtypeOption = (typeof PROMPT_DTYPE_OPTIONS)[number];

/**
 * The most layer weights (`layerWeightCount`) for which `auto` runs q4 prompt chunks in int8: the
 * int8 copy costs about a byte per layer weight. At 135M (106M layer weights) the speed bench
 * measured prompts 1.7-1.9x faster for 122-133 MB more peak memory than q4 alone; at 360M (315M)
 * 1.65-1.8x faster for 357-366 MB more, past the 150 MB over llama.cpp that issue #19 allows.
 */
export const AUTO_INT8_MAX_LAYER_WEIGHTS = 160_000_000;

/** `EngineOptions.promptDtype` for a setting: nothing for `same`, so the engine's default holds. */
export function promptDtypeOption(option: PromptDtypeOption): { promptDtype?: 'int8' | 'auto' } {
  return option === 'same' ? {} : { promptDtype: option };
}

/** What `auto` asks of the machine. */
export interface PromptMachine {
  /** The CPU is the first provider the engine tries (the int8 prompt graph runs only there). */
  readonly cpuFirst: boolean;
  /** int8 products do not clip here (int8Products.ts); where they do, int8 runs exact but slower. */
  readonly int8Exact: boolean;
}

/** The dtype prompt chunks run in for `option`, or undefined for the engine's own. */
export function resolvePromptDtype(option: PromptDtypeOption, dtype: Dtype, config: ModelConfig, machine: PromptMachine): Dtype | undefined {
  if (option === 'int8') return 'int8';
  if (option === 'same') return undefined;
  const small = layerWeightCount(config) <= AUTO_INT8_MAX_LAYER_WEIGHTS;
  return dtype === 'q4' && machine.cpuFirst && machine.int8Exact && small ? 'int8' : undefined;
}
