/**
 * @file Optimizers over named float32 parameters, updated in place: AdamW with decoupled weight
 * decay exactly as torch.optim.AdamW (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html)
 * and plain SGD with optional weight decay; plus global-norm gradient clipping as
 * torch.nn.utils.clip_grad_norm_. Arithmetic is float64 per element and results are stored as
 * float32, so a run is bit-for-bit repeatable and its state saves exactly.
 */

/** Optimizer names the CLI accepts. */
export const OPTIMIZERS = ['adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Named tensors (parameters, gradients, moments). */
export type Tensors = Map<string, Float32Array>;

/** An optimizer; `state` is what a checkpoint must save to resume exactly. */
export interface Optimizer {
  readonly name: OptimizerName;
  /** Applies one update with learning rate `lr` to `params` from `grads`. */
  step(params: Tensors, grads: ReadonlyMap<string, Float32Array | Float64Array>, lr: number): void;
  /** Tensors to checkpoint, by a prefixed name (e.g. `adamw.m/<param>`), and the step count. */
  state(): { tensors: Tensors; steps: number };
  restore(state: { tensors: ReadonlyMap<string, Float32Array>; steps: number }): void;
}

/** AdamW hyperparameters (PyTorch's defaults except weight decay). */
export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

/** torch.optim.AdamW: p ← p(1 - lr·wd); m, v moments; p ← p - lr · m̂ / (√v̂ + eps). */
export function adamW(options: AdamWOptions = {}): Optimizer {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01 } = options;
  const m: Tensors = new Map();
  const v: Tensors = new Map();
  let steps = 0;
  return {
    name: 'adamw',
    step(params, grads, lr) {
      steps++;
      const c1 = 1 - beta1 ** steps;
      const c2 = 1 - beta2 ** steps;
      for (const [name, p] of params) {
        const g = grads.get(name);
        if (!g) throw new Error(`no gradient for parameter ${name}`);
        const mi = m.get(name) ?? m.set(name, new Float32Array(p.length)).get(name)!;
        const vi = v.get(name) ?? v.set(name, new Float32Array(p.length)).get(name)!;
        for (let i = 0; i < p.length; i++) {
          const decayed = p[i] * (1 - lr * weightDecay);
          mi[i] = beta1 * mi[i] + (1 - beta1) * g[i];
          vi[i] = beta2 * vi[i] + (1 - beta2) * g[i] * g[i];
          p[i] = decayed - (lr * (mi[i] / c1)) / (Math.sqrt(vi[i] / c2) + eps);
        }
      }
    },
    state() {
      const tensors: Tensors = new Map();
      for (const [name, t] of m) tensors.set(`adamw.m/${name}`, t);
      for (const [name, t] of v) tensors.set(`adamw.v/${name}`, t);
      return { tensors, steps };
    },
    restore(state) {
      steps = state.steps;
      for (const [key, t] of state.tensors) {
        if (key.startsWith('adamw.m/')) m.set(key.slice(8), Float32Array.from(t));
        else if (key.startsWith('adamw.v/')) v.set(key.slice(8), Float32Array.from(t));
      }
    },
  };
}

/** Plain SGD: p ← p - lr · (g + wd · p). */
export function sgd(options: { readonly weightDecay?: number } = {}): Optimizer {
  const weightDecay = options.weightDecay ?? 0;
  let steps = 0;
  return {
    name: 'sgd',
    step(params, grads, lr) {
      steps++;
      for (const [name, p] of params) {
        const g = grads.get(name);
        if (!g) throw new Error(`no gradient for parameter ${name}`);
        for (let i = 0; i < p.length; i++) p[i] = p[i] - lr * (g[i] + weightDecay * p[i]);
      }
    },
    state: () => ({ tensors: new Map(), steps }),
    restore(state) {
      steps = state.steps;
    },
  };
}

/** The optimizer called `name`. */
export function makeOptimizer(name: OptimizerName, weightDecay?: number): Optimizer {
  switch (name) {
    case 'adamw':
      return adamW({ weightDecay });
    case 'sgd':
      return sgd({ weightDecay });
  }
}

/**
 * Scales `grads` in place so their global L2 norm is at most `maxNorm`; returns the norm before
 * clipping. `maxNorm` 0 turns clipping off, as max_grad_norm=0 does in Hugging Face's Trainer.
 */
export function clipGradNorm(grads: Map<string, Float32Array>, maxNorm: number): number {
  let sumSq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  const norm = Math.sqrt(sumSq);
  if (!(maxNorm > 0)) return norm;
  // torch: clip_coef = max_norm / (total_norm + 1e-6), applied only when below 1.
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}
