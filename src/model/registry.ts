/**
 * @file The architecture table: one row per supported `model_type`, carrying everything the rest
 * of SmolCode builds from a model: its checkpoint layout, the inference, fused and training
 * graphs, the fused graph's version and precision, and the modules LoRA can adapt. Adding an
 * architecture is one file (its graphs) plus one row here; the `Record` type makes the compiler
 * insist on a row for every entry of `MODEL_TYPES`. Nothing outside model/ imports a graph
 * module directly.
 */
import type { GraphBuilder } from '../graph/graphBuilder';
import type { ModelConfig } from './config';
import type { FusedVariant, ModelType } from './configTypes';
import { buildLlamaGraph } from './llama';
import { buildLlamaFusedGraph, FUSED_GRAPH_VERSION, fusedPrecisionFor, type FusedGraphOptions } from './llamaFused';
import { llamaWeightShapes } from './llamaMath';
import { LORA_TARGETS, type LoraTarget } from './lora';
import type { Precision } from './precision';
import { buildTrainingGraph, type TrainingGraph, type TrainingGraphOptions } from './trainingGraph';
import type { WeightSource } from './weights';

export type { FusedGraphOptions, TrainingGraph, TrainingGraphOptions };

/** What the rest of SmolCode needs from an architecture. */
export interface Architecture {
  /** HF tensor names and shapes of a checkpoint of `config`. */
  weightShapes(config: ModelConfig): Map<string, number[]>;
  /** The inference graph (hub I/O convention) over `weights`. */
  buildInferenceGraph(config: ModelConfig, weights: WeightSource, precision: Precision): GraphBuilder;
  /** The same model on ONNX Runtime contrib ops (fast CPU kernels, per-step KV rows as an output); see llamaFused.ts. */
  buildFusedInferenceGraph(config: ModelConfig, weights: WeightSource, precision: Precision, options?: FusedGraphOptions): GraphBuilder;
  /** Version of the fused graph's I/O and structure; caches built by another version are rebuilt. */
  readonly fusedGraphVersion: number;
  /** The precision the fused graph of `variant` is built in. */
  fusedPrecision(variant: FusedVariant): Precision;
  /** The LoRA training (or evaluation) graph, with reverse-mode gradients when asked. */
  buildTrainingGraph(config: ModelConfig, weights: WeightSource, options: TrainingGraphOptions): TrainingGraph;
  /** The Linear modules LoRA can adapt, in PEFT's names and the model's order. */
  readonly loraTargets: readonly LoraTarget[];
}

const ARCHITECTURES: Record<ModelType, Architecture> = {
  llama: {
    weightShapes: llamaWeightShapes,
    buildInferenceGraph: buildLlamaGraph,
    buildFusedInferenceGraph: buildLlamaFusedGraph,
    fusedGraphVersion: FUSED_GRAPH_VERSION,
    fusedPrecision: fusedPrecisionFor,
    buildTrainingGraph,
    loraTargets: LORA_TARGETS,
  },
};

/** The architecture of `config.modelType`; throws naming the supported set for anything else. */
export function architectureFor(config: ModelConfig): Architecture {
  const arch = (ARCHITECTURES as Record<string, Architecture | undefined>)[config.modelType];
  if (!arch) throw new Error(`unsupported model_type "${config.modelType}"; supported: ${Object.keys(ARCHITECTURES).join(', ')}`);
  return arch;
}
