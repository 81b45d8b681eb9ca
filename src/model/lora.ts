/**
 * @file LoRA as PEFT defines it (https://github.com/huggingface/peft, tuners/lora/layer.py):
 * a frozen Linear W [out, in] plus a trainable low-rank update, y = x·Wᵀ + s · (x·Aᵀ)·Bᵀ with
 * A [r, in], B [out, r] and s = alpha / r (rsLoRA: alpha / √r). A starts as nn.Linear's default
 * init, kaiming_uniform(a = √5), which is uniform(±1/√in); B starts at zero, so training starts
 * from the base model exactly. Tensor names are PEFT's saved names, so they double as graph
 * input names and adapter file keys.
 */
import type { ModelConfig } from './config';
import type { Functions, Tensor } from '../graph/autodiff/index';
import { Rng } from '../graph/rng';

/** Modules LoRA can target, in PEFT's naming (HF Llama's Linear layers). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
/** One LoRA target module. */
export type LoraTarget = (typeof LORA_TARGETS)[number];

/**
 * `names` as LoRA targets in the model's order; throws a RangeError saying that `what` (a flag
 * or a setting) must list some of the targets, naming what it got.
 */
export function parseLoraTargets(names: readonly string[], what: string): LoraTarget[] {
  const bad = names.filter((v) => !(LORA_TARGETS as readonly string[]).includes(v));
  if (bad.length > 0 || names.length === 0) throw new RangeError(`${what} must list some of ${LORA_TARGETS.join(', ')}; got ${JSON.stringify(names)}`);
  return LORA_TARGETS.filter((t) => names.includes(t));
}

const MLP_TARGETS: ReadonlySet<LoraTarget> = new Set(['gate_proj', 'up_proj', 'down_proj']);

/** The hyperparameters that shape an adapter. */
export interface LoraConfig {
  readonly rank: number;
  readonly alpha: number;
  readonly targets: readonly LoraTarget[];
  /** rsLoRA scaling alpha / √r instead of alpha / r (https://arxiv.org/abs/2312.03732). */
  readonly useRslora: boolean;
  /** PEFT's lora_dropout: the share of each LoRA input zeroed while training (0 or absent: none). */
  readonly dropout?: number;
}

/** The multiplier of B·A: alpha / r, or alpha / √r with rsLoRA. */
export function loraScale(c: LoraConfig): number {
  return c.useRslora ? c.alpha / Math.sqrt(c.rank) : c.alpha / c.rank;
}

/** One adapted Linear: the base weight's HF name and the PEFT names and shapes of A and B. */
export interface LoraModule {
  /** e.g. `model.layers.0.self_attn.q_proj` */
  readonly module: string;
  readonly target: LoraTarget;
  readonly layer: number;
  readonly a: string;
  readonly b: string;
  readonly aShape: readonly [number, number];
  readonly bShape: readonly [number, number];
}

/** PEFT's saved name of a LoRA matrix of `module`. */
export function peftTensorName(module: string, which: 'A' | 'B'): string {
  return `base_model.model.${module}.lora_${which}.weight`;
}

/** The [out, in] shape of each target's base weight. */
function targetShape(c: ModelConfig, target: LoraTarget): [number, number] {
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const h = c.hiddenSize;
  const shapes: Record<LoraTarget, [number, number]> = {
    q_proj: [q, h],
    k_proj: [kv, h],
    v_proj: [kv, h],
    o_proj: [h, q],
    gate_proj: [c.intermediateSize, h],
    up_proj: [c.intermediateSize, h],
    down_proj: [h, c.intermediateSize],
  };
  return shapes[target];
}

/** The adapted modules of `model` under `lora`, layer by layer in LORA_TARGETS order. */
export function loraModules(model: ModelConfig, lora: LoraConfig): LoraModule[] {
  const bad = lora.targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (bad.length > 0) throw new Error(`unknown LoRA target ${bad.join(', ')}; supported: ${LORA_TARGETS.join(', ')}`);
  if (!(Number.isInteger(lora.rank) && lora.rank > 0)) throw new Error(`LoRA rank must be a positive integer, got ${lora.rank}`);
  const modules: LoraModule[] = [];
  for (let layer = 0; layer < model.numHiddenLayers; layer++) {
    for (const target of LORA_TARGETS) {
      if (!lora.targets.includes(target)) continue;
      const group = MLP_TARGETS.has(target) ? 'mlp' : 'self_attn';
      const module = `model.layers.${layer}.${group}.${target}`;
      const [out, inp] = targetShape(model, target);
      modules.push({
        module,
        target,
        layer,
        a: peftTensorName(module, 'A'),
        b: peftTensorName(module, 'B'),
        aShape: [lora.rank, inp],
        bShape: [out, lora.rank],
      });
    }
  }
  return modules;
}

/** LoRA matrices by PEFT name. */
export type LoraWeights = Map<string, Float32Array>;

/** PEFT's init: A ~ uniform(±1/√in) (kaiming_uniform with a = √5), B = 0; deterministic for `seed`. */
export function initLoraWeights(modules: readonly LoraModule[], seed: number): LoraWeights {
  const rng = new Rng(seed);
  const weights: LoraWeights = new Map();
  for (const m of modules) {
    const [r, inp] = m.aShape;
    const bound = 1 / Math.sqrt(inp);
    weights.set(m.a, Float32Array.from({ length: r * inp }, () => (rng.next() * 2 - 1) * bound));
    weights.set(m.b, new Float32Array(m.bShape[0] * m.bShape[1]));
  }
  return weights;
}

/** The trainable pair of one adapted Linear inside a graph. */
export interface LoraPair {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly scale: number;
  /** Training only: dropout on the LoRA branch's input, with the seed of this module's mask. */
  readonly dropout?: { readonly ratio: number; readonly seed: number };
}

/**
 * PEFT's LoRA Linear forward on rows: y = x·Wᵀ + scale · (dropout(x)·Aᵀ)·Bᵀ. The base path sees
 * x unchanged, as in PEFT, where lora_dropout wraps only the adapter's input.
 */
export function loraLinear(f: Functions, x: Tensor, w: Tensor, lora?: LoraPair): Tensor {
  const base = f.linear(x, w);
  if (!lora) return base;
  const input = lora.dropout ? f.dropout(x, lora.dropout.ratio, lora.dropout.seed) : x;
  return f.linear(f.linear(input, lora.a), lora.b, lora.scale, base); // base + scale · (x·Aᵀ)·Bᵀ, summed in B's Gemm
}

/** Output name of the gradient of LoRA matrix `name` in the training graph. */
export function gradName(name: string): string {
  return `grad.${name}`;
}
