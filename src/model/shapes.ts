/**
 * @file The named model shapes `make-model` generates: the three released SmolLM2 sizes (from
 * their config.json files) and `tiny`, a two-layer toy small enough for unit tests.
 */
import type { ModelConfig } from './config';
import type { ShapeName } from './configTypes';

const SMOLLM2_COMMON = {
  modelType: 'llama',
  vocabSize: 49152,
  headDim: 64,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 8192,
} as const;

/** Released SmolLM2 shapes plus `tiny`. */
export const SHAPES: Record<ShapeName, ModelConfig> = {
  // tiny keeps the real vocabulary so any tokenizer output is a valid id; tests that never
  // tokenize pass a smaller vocabSize. Its larger initializer range gives logits of order one,
  // so a 1e-4 comparison against the reference actually constrains the math.
  tiny: {
    ...SMOLLM2_COMMON,
    hiddenSize: 64,
    intermediateSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 16,
    ropeTheta: 100000,
    maxPositionEmbeddings: 2048,
    initializerRange: 0.1,
  },
  '135M': {
    ...SMOLLM2_COMMON,
    hiddenSize: 576,
    intermediateSize: 1536,
    numHiddenLayers: 30,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    ropeTheta: 100000,
    initializerRange: 0.041666666666666664,
  },
  '360M': {
    ...SMOLLM2_COMMON,
    hiddenSize: 960,
    intermediateSize: 2560,
    numHiddenLayers: 32,
    numAttentionHeads: 15,
    numKeyValueHeads: 5,
    ropeTheta: 100000,
    initializerRange: 0.02,
  },
  '1.7B': {
    ...SMOLLM2_COMMON,
    hiddenSize: 2048,
    intermediateSize: 8192,
    numHiddenLayers: 24,
    numAttentionHeads: 32,
    numKeyValueHeads: 32,
    ropeTheta: 130000,
    initializerRange: 0.02,
  },
};

/** Weights of the projections in the decoder layers (attention and MLP), the part a prompt chunk multiplies through. */
export function layerWeightCount(c: ModelConfig): number {
  const kv = c.numKeyValueHeads * c.headDim;
  const q = c.numAttentionHeads * c.headDim;
  const attention = c.hiddenSize * q * 2 + c.hiddenSize * kv * 2;
  const mlp = 3 * c.hiddenSize * c.intermediateSize;
  return c.numHiddenLayers * (attention + mlp);
}

/** Number of parameters of a config (tied embeddings counted once), from the shapes alone. */
export function parameterCount(c: ModelConfig): number {
  const norms = 2 * c.hiddenSize;
  const embeddings = c.vocabSize * c.hiddenSize * (c.tieWordEmbeddings ? 1 : 2);
  return layerWeightCount(c) + c.numHiddenLayers * norms + c.hiddenSize + embeddings;
}
