/**
 * @file The state of one training run and its phases, each a method: an optimizer step, an
 * evaluation, a checkpoint, and the two questions the loop asks (is an evaluation owed, has
 * validation stopped improving). trainer.ts drives them. All state (matrices, moments, data
 * order RNG, counters) goes into the checkpoint exactly, so a resumed run ends with the same
 * adapter bytes as an uninterrupted one.
 */
import { Rng } from '../graph/rng';
import type { LoraWeights } from '../model/lora';
import { saveCheckpoint, type Checkpoint, type TrainerState } from './checkpoint';
import { makeBatch, targetCount, type TokenizedSample } from './data';
import { takeSamples } from './dataOrder';
import type { LoraGraphSession } from './graphSession';
import { clipGradNorm, makeOptimizer, type Optimizer } from './optimizer';
import type { TrainingPlan } from './plan';
import { cosineWithWarmup } from './schedule';

/** What one optimizer step measured. */
export interface StepOutcome {
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  /** Input tokens of the step's sequences (padding excluded). */
  readonly tokens: number;
}

function copyWeights(weights: ReadonlyMap<string, Float32Array>): LoraWeights {
  return new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
}

/** Token-weighted mean loss of `samples` through the evaluation session. */
async function meanLoss(session: LoraGraphSession, samples: readonly TokenizedSample[], params: LoraWeights, plan: TrainingPlan, signal?: AbortSignal): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < samples.length; i += plan.batchSize) {
    const rows = Array.from({ length: plan.batchSize }, (_, r) => samples[i + r]);
    const tokens = rows.reduce((acc, s) => acc + (s ? targetCount(s) : 0), 0);
    const { loss } = await session.run(makeBatch(rows, plan.seqLen), params);
    signal?.throwIfAborted();
    sum += loss * tokens;
    count += tokens;
  }
  return sum / Math.max(1, count);
}

/** One run's parameters, best parameters, optimizer and counters. */
export class TrainingRun {
  private constructor(
    readonly plan: TrainingPlan,
    private params: LoraWeights,
    private best: LoraWeights,
    private readonly optimizer: Optimizer,
    private current: TrainerState,
  ) {}

  /** A fresh run from `initial` matrices (a new LoRA init, or an adapter to continue from). */
  static start(plan: TrainingPlan, initial: ReadonlyMap<string, Float32Array>): TrainingRun {
    const state: TrainerState = {
      step: 0,
      epoch: 0,
      cursor: 0,
      epochRngState: new Rng(plan.seed).saved,
      optimizerSteps: 0,
      bestValLoss: null,
      evalsWithoutImprovement: 0,
      initialValLoss: null,
      trainLosses: [],
      valLosses: [],
    };
    return new TrainingRun(plan, copyWeights(initial), copyWeights(initial), makeOptimizer(plan.optimizer, plan.weightDecay), state);
  }

  /** The run saved in `checkpoint` (made with `plan`, which the caller has checked). */
  static resume(plan: TrainingPlan, checkpoint: Checkpoint): TrainingRun {
    const pick = (prefix: string) => new Map([...checkpoint.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const optimizer = makeOptimizer(plan.optimizer, plan.weightDecay);
    optimizer.restore({ tensors: checkpoint.tensors, steps: checkpoint.state.optimizerSteps });
    return new TrainingRun(plan, pick('param/'), pick('best/'), optimizer, checkpoint.state);
  }

  get state(): TrainerState {
    return this.current;
  }

  /**
   * One optimizer step: `gradAccum` micro-batches, their gradients weighted by target tokens so
   * that accumulation equals one large batch, then clipping, the schedule and the update.
   */
  async step(session: LoraGraphSession, train: readonly TokenizedSample[], signal?: AbortSignal): Promise<StepOutcome> {
    const { plan } = this;
    const { indices, next } = takeSamples(this.current, plan.batchSize * plan.gradAccum, train.length, plan.shuffle);
    const micro = Array.from({ length: plan.gradAccum }, (_, i) => indices.slice(i * plan.batchSize, (i + 1) * plan.batchSize).map((j) => train[j]));
    const total = micro.flat().reduce((acc, s) => acc + targetCount(s), 0);
    const grads = new Map<string, Float32Array>();
    let loss = 0;
    let tokens = 0;
    for (const rows of micro) {
      const weight = rows.reduce((acc, s) => acc + targetCount(s), 0) / total;
      const result = await session.run(makeBatch(rows, plan.seqLen), this.params);
      signal?.throwIfAborted();
      loss += result.loss * weight;
      tokens += rows.reduce((acc, s) => acc + s.inputIds.length, 0);
      for (const [name, g] of result.grads) {
        const acc = grads.get(name) ?? grads.set(name, new Float32Array(g.length)).get(name)!;
        for (let i = 0; i < g.length; i++) acc[i] += g[i] * weight;
      }
    }
    const gradNorm = clipGradNorm(grads, plan.maxGradNorm);
    const lr = cosineWithWarmup(this.current.step, plan.steps, plan.warmupSteps, plan.lr);
    this.optimizer.step(this.params, grads, lr);
    const step = this.current.step + 1;
    this.current = { ...this.current, ...next, step, optimizerSteps: this.optimizer.state().steps, trainLosses: [...this.current.trainLosses, { step, loss }] };
    return { loss, lr, gradNorm, tokens };
  }

  /** Validation loss now; the best parameters follow it. */
  async evaluate(session: LoraGraphSession, val: readonly TokenizedSample[], signal?: AbortSignal): Promise<{ loss: number; improved: boolean }> {
    const loss = await meanLoss(session, val, this.params, this.plan, signal);
    const s = this.current;
    const improved = s.bestValLoss === null || loss < s.bestValLoss;
    if (improved) this.best = copyWeights(this.params);
    this.current = {
      ...s,
      initialValLoss: s.initialValLoss ?? loss,
      bestValLoss: improved ? loss : s.bestValLoss,
      evalsWithoutImprovement: improved ? 0 : s.evalsWithoutImprovement + 1,
      valLosses: [...s.valLosses, { step: s.step, loss }],
    };
    return { loss, improved };
  }

  /** Writes the checkpoint into `outDir` atomically; returns its path. */
  checkpoint(outDir: string): string {
    const tensors = new Map<string, Float32Array>();
    for (const [k, v] of this.params) tensors.set(`param/${k}`, v);
    for (const [k, v] of this.best) tensors.set(`best/${k}`, v);
    for (const [k, v] of this.optimizer.state().tensors) tensors.set(k, v);
    return saveCheckpoint(outDir, { plan: this.plan, state: { ...this.current, optimizerSteps: this.optimizer.state().steps }, tensors });
  }

  /**
   * Whether an evaluation is owed: before the first step and every evalEvery steps. Asked at the
   * top of the loop, so a run cancelled or killed during one redoes it after resuming.
   */
  evaluationOwed(): boolean {
    const { step, initialValLoss, valLosses } = this.current;
    if (step === 0) return initialValLoss === null;
    return (step % this.plan.evalEvery === 0 || step === this.plan.steps) && valLosses.at(-1)?.step !== step;
  }

  /** Whether validation has not improved for `patience` evaluations (patience 0: never). */
  stopsEarly(): boolean {
    return this.plan.patience > 0 && this.current.evalsWithoutImprovement >= this.plan.patience;
  }

  /** The matrices to save: the best validated ones when there was validation, else the last. */
  adapterWeights(validated: boolean): LoraWeights {
    return validated ? this.best : this.params;
  }
}
