/**
 * @file The architecture table: one row per supported `model_type`. Adding an architecture is
 * one file (its graph and weight names) plus one row here; the `Record` type makes the compiler
 * insist on a row for every entry of `MODEL_TYPES`.
 */
import type { ModelConfig } from './config';
import type { ModelType } from './configTypes';
import type { GraphBuilder } from '../graph/graphBuilder';
import { buildLlamaGraph, llamaWeightShapes } from './llama';
import { buildLlamaFusedGraph, type FusedGraphOptions } from './llamaFused';
import type { Precision } from './precision';
import type { WeightSource } from './weights';

/** What the model code needs from an architecture. */
export interface Architecture {
  /** HF tensor names and shapes of a checkpoint of `config`. */
  weightShapes(config: ModelConfig): Map<string, number[]>;
  /** The inference graph (hub I/O convention) over `weights`. */
  buildInferenceGraph(config: ModelConfig, weights: WeightSource, precision: Precision): GraphBuilder;
  /** The same model on ONNX Runtime contrib ops (fast CPU kernels, per-step KV rows as an output); see llamaFused.ts. */
  buildFusedInferenceGraph(config: ModelConfig, weights: WeightSource, precision: Precision, options?: FusedGraphOptions): GraphBuilder;
}

const ARCHITECTURES: Record<ModelType, Architecture> = {
  llama: { weightShapes: llamaWeightShapes, buildInferenceGraph: buildLlamaGraph, buildFusedInferenceGraph: buildLlamaFusedGraph },
};

/** The architecture of `config.modelType`; throws naming the supported set for anything else. */
export function architectureFor(config: ModelConfig): Architecture {
  const arch = (ARCHITECTURES as Record<string, Architecture | undefined>)[config.modelType];
  if (!arch) throw new Error(`unsupported model_type "${config.modelType}"; supported: ${Object.keys(ARCHITECTURES).join(', ')}`);
  return arch;
}
