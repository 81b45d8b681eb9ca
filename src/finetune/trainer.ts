/**
 * @file The LoRA trainer: reads the data, sizes the plan (plan.ts), builds the training and
 * evaluation graphs once for the fixed micro-batch shape, then runs optimizer steps of
 * `gradAccum` micro-batches each (one session run per micro-batch, gradients weighted by their
 * target tokens so accumulation equals one large batch), clipping, the cosine schedule, AdamW or
 * SGD, validation, early stopping and atomic checkpoints. A run stopped at any point (cancel,
 * crash, kill) and resumed from its checkpoint ends with the same adapter bytes as an
 * uninterrupted run, because all state (matrices, moments, data order RNG, counters) is saved
 * exactly and every computation is deterministic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tokenizerDir } from '../runtime/modelFiles';
import { loadTokenizer } from '../runtime/tokenizer';
import { readModelConfig, type ModelConfig } from '../model/config';
import { SafetensorsFile } from '../graph/safetensors';
import { safetensorsSource } from '../model/weights';
import { loadAdapter, saveAdapter } from './adapter';
import { loadCheckpoint, planMismatches, saveCheckpoint, type TrainerState } from './checkpoint';
import { makeBatch, readSamples, targetCount, type TokenizedSample } from './data';
import { LoraGraphSession } from './graphSession';
import { initLoraWeights, loraModules, type LoraWeights } from '../model/lora';
import { clipGradNorm, makeOptimizer } from './optimizer';
import { defaultSeqLen, resolvePlan, type FinetuneOptions, type TrainingPlan } from './plan';
import { Rng } from '../graph/rng';
import { cosineWithWarmup } from './schedule';
import { buildTrainingGraph } from '../model/trainingGraph';
import { tokenizerDirFromEnv } from '../env';

/** Progress reported while training. */
export type FinetuneEvent =
  | { readonly type: 'start'; readonly plan: TrainingPlan; readonly trainSamples: number; readonly valSamples: number; readonly resumedAtStep: number; readonly provider: string }
  | {
      readonly type: 'step';
      readonly step: number;
      readonly totalSteps: number;
      readonly epoch: number;
      readonly loss: number;
      readonly lr: number;
      readonly gradNorm: number;
      readonly tokensPerSecond: number;
      readonly etaSeconds: number;
    }
  | { readonly type: 'eval'; readonly step: number; readonly valLoss: number; readonly improved: boolean }
  | { readonly type: 'checkpoint'; readonly step: number; readonly path: string };

/** How the run ended and what it measured. */
export interface FinetuneResult {
  readonly status: 'completed' | 'early-stopped' | 'cancelled';
  readonly steps: number;
  readonly outDir: string;
  /** Whether `outDir` now holds the adapter (not after a cancel). */
  readonly adapterWritten: boolean;
  readonly initialValLoss: number | null;
  readonly bestValLoss: number | null;
  readonly trainLosses: readonly { step: number; loss: number }[];
  readonly valLosses: readonly { step: number; loss: number }[];
  readonly plan: TrainingPlan;
}

/** Callbacks and cancellation of a run. */
export interface FinetuneHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: FinetuneEvent) => void;
}

/** Where the data order stands. */
interface DataPosition {
  readonly epoch: number;
  readonly cursor: number;
  readonly epochRngState: number;
}

/** Takes the next `count` sample indices, starting new shuffled epochs as needed. */
function takeSamples(position: DataPosition, count: number, n: number, shuffle: boolean): { indices: number[]; next: DataPosition } {
  let { epoch, cursor, epochRngState } = position;
  const orderOf = (state: number) => {
    const rng = Rng.restore(state);
    return { order: shuffle ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i), after: rng.saved };
  };
  let { order, after } = orderOf(epochRngState);
  const indices: number[] = [];
  while (indices.length < count) {
    if (cursor === n) {
      epoch++;
      cursor = 0;
      epochRngState = after;
      ({ order, after } = orderOf(epochRngState));
    }
    indices.push(order[cursor++]);
  }
  return { indices, next: { epoch, cursor, epochRngState } };
}

/** Token-weighted mean loss of `samples` through the evaluation session. */
async function evaluate(session: LoraGraphSession, samples: readonly TokenizedSample[], params: LoraWeights, plan: TrainingPlan, signal?: AbortSignal): Promise<number> {
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

function copyWeights(weights: ReadonlyMap<string, Float32Array>): LoraWeights {
  return new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
}

/** Loads the model's config, float weights file and tokenizer-based data. */
async function prepare(options: FinetuneOptions): Promise<{ config: ModelConfig; train: TokenizedSample[]; val: TokenizedSample[]; seqLen: number }> {
  const config = readModelConfig(join(options.modelDir, 'config.json'));
  const tokenizer = await loadTokenizer(tokenizerDir(options.modelDir, tokenizerDirFromEnv()));
  const seqLen = options.seqLen ?? defaultSeqLen(config.maxPositionEmbeddings);
  if (!Number.isInteger(seqLen) || seqLen < 2 || seqLen > config.maxPositionEmbeddings) {
    throw new RangeError(`seqLen must be an integer in [2, ${config.maxPositionEmbeddings}], got ${seqLen}`);
  }
  const train = readSamples(options.dataPath, tokenizer, seqLen, config.vocabSize);
  const val = options.valPath ? readSamples(options.valPath, tokenizer, seqLen, config.vocabSize) : [];
  return { config, train, val, seqLen };
}

/** Trains a LoRA adapter into `options.outDir`; see the file header. */
export async function runFinetune(options: FinetuneOptions, hooks: FinetuneHooks = {}): Promise<FinetuneResult> {
  const { signal, onProgress } = hooks;
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const { config, train, val, seqLen } = await prepare(options);
  signal?.throwIfAborted();
  const init = options.initAdapter ? loadAdapter(options.initAdapter, config) : undefined;
  const plan = resolvePlan(options, train.length, seqLen, init?.lora);
  const modules = loraModules(config, plan.lora);
  let params: LoraWeights = init ? copyWeights(init.weights) : initLoraWeights(modules, plan.seed);
  let best: LoraWeights = copyWeights(params);
  const optimizer = makeOptimizer(plan.optimizer, plan.weightDecay);
  let state: TrainerState = {
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
  const checkpoint = options.resume ? loadCheckpoint(outDir) : undefined;
  if (checkpoint) {
    const mismatches = planMismatches(checkpoint.plan, plan);
    if (mismatches.length > 0) throw new Error(`cannot resume ${outDir}: the checkpoint was made with other settings (${mismatches.join('; ')})`);
    state = checkpoint.state;
    const pick = (prefix: string) => new Map([...checkpoint.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    params = pick('param/');
    best = pick('best/');
    optimizer.restore({ tensors: checkpoint.tensors, steps: state.optimizerSteps });
  }

  const file = SafetensorsFile.open(join(options.modelDir, 'model.safetensors'));
  const sessionOptions = { device: options.device ?? 'cpu', threads: options.threads ?? 0 } as const;
  const graphOptions = { batchSize: plan.batchSize, seqLen, lora: plan.lora };
  let trainSession: LoraGraphSession | undefined;
  let evalSession: LoraGraphSession | undefined;
  try {
    const weights = safetensorsSource(file);
    trainSession = await LoraGraphSession.open(buildTrainingGraph(config, weights, { ...graphOptions, gradients: true }), sessionOptions);
    if (val.length > 0) evalSession = await LoraGraphSession.open(buildTrainingGraph(config, weights, { ...graphOptions, gradients: false }), sessionOptions);
    onProgress?.({ type: 'start', plan, trainSamples: train.length, valSamples: val.length, resumedAtStep: state.step, provider: trainSession.provider });

    const save = () => {
      const tensors = new Map<string, Float32Array>();
      for (const [k, v] of params) tensors.set(`param/${k}`, v);
      for (const [k, v] of best) tensors.set(`best/${k}`, v);
      for (const [k, v] of optimizer.state().tensors) tensors.set(k, v);
      const path = saveCheckpoint(outDir, { plan, state: { ...state, optimizerSteps: optimizer.state().steps }, tensors });
      onProgress?.({ type: 'checkpoint', step: state.step, path });
    };
    const runEval = async () => {
      const loss = await evaluate(evalSession!, val, params, plan, signal);
      const improved = state.bestValLoss === null || loss < state.bestValLoss;
      if (improved) best = copyWeights(params);
      state = {
        ...state,
        initialValLoss: state.initialValLoss ?? loss,
        bestValLoss: improved ? loss : state.bestValLoss,
        evalsWithoutImprovement: improved ? 0 : state.evalsWithoutImprovement + 1,
        valLosses: [...state.valLosses, { step: state.step, loss }],
      };
      onProgress?.({ type: 'eval', step: state.step, valLoss: loss, improved });
    };

    let status: FinetuneResult['status'] = 'completed';
    const started = performance.now();
    const startStep = state.step;
    const trainStep = async () => {
      const stepStart = performance.now();
      const { indices, next } = takeSamples(state, plan.batchSize * plan.gradAccum, train.length, plan.shuffle);
      const micro = Array.from({ length: plan.gradAccum }, (_, i) => indices.slice(i * plan.batchSize, (i + 1) * plan.batchSize).map((j) => train[j]));
      const total = micro.flat().reduce((acc, s) => acc + targetCount(s), 0);
      const grads = new Map<string, Float32Array>();
      let loss = 0;
      let tokens = 0;
      for (const rows of micro) {
        const weight = rows.reduce((acc, s) => acc + targetCount(s), 0) / total;
        const result = await trainSession!.run(makeBatch(rows, seqLen), params);
        signal?.throwIfAborted();
        loss += result.loss * weight;
        tokens += rows.reduce((acc, s) => acc + s.inputIds.length, 0);
        for (const [name, g] of result.grads) {
          const acc = grads.get(name) ?? grads.set(name, new Float32Array(g.length)).get(name)!;
          for (let i = 0; i < g.length; i++) acc[i] += g[i] * weight;
        }
      }
      const gradNorm = clipGradNorm(grads, plan.maxGradNorm);
      const lr = cosineWithWarmup(state.step, plan.steps, plan.warmupSteps, plan.lr);
      optimizer.step(params, grads, lr);
      state = { ...state, ...next, step: state.step + 1, optimizerSteps: optimizer.state().steps, trainLosses: [...state.trainLosses, { step: state.step + 1, loss }] };
      const now = performance.now();
      onProgress?.({
        type: 'step',
        step: state.step,
        totalSteps: plan.steps,
        epoch: state.epoch + state.cursor / train.length,
        loss,
        lr,
        gradNorm,
        tokensPerSecond: tokens / ((now - stepStart) / 1000),
        etaSeconds: ((now - started) / 1000 / (state.step - startStep)) * (plan.steps - state.step),
      });
    };

    // An evaluation is owed before the first step and every evalEvery steps; checking at the top
    // of the loop means a run cancelled or killed during one redoes it after resuming.
    const evalOwed = () =>
      evalSession !== undefined &&
      (state.step === 0
        ? state.initialValLoss === null
        : (state.step % plan.evalEvery === 0 || state.step === plan.steps) && state.valLosses.at(-1)?.step !== state.step);
    try {
      for (;;) {
        if (evalOwed()) await runEval();
        if (evalSession && plan.patience > 0 && state.evalsWithoutImprovement >= plan.patience) {
          status = 'early-stopped';
          break;
        }
        if (state.step >= plan.steps) break;
        if (state.step > startStep && state.step % plan.checkpointEvery === 0) save();
        signal?.throwIfAborted();
        await trainStep();
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
      // Cancelled: a step in flight is dropped; the checkpoint holds the last finished step.
      status = 'cancelled';
    }
    save();

    const adapterWritten = status !== 'cancelled';
    if (adapterWritten) {
      saveAdapter(outDir, { lora: plan.lora, baseModel: resolve(options.modelDir), weights: evalSession ? best : params });
      const log = { plan, initialValLoss: state.initialValLoss, bestValLoss: state.bestValLoss, trainLosses: state.trainLosses, valLosses: state.valLosses };
      writeFileSync(join(outDir, 'training_log.json'), `${JSON.stringify(log, null, 2)}\n`);
    }
    return {
      status,
      steps: state.step,
      outDir,
      adapterWritten,
      initialValLoss: state.initialValLoss,
      bestValLoss: state.bestValLoss,
      trainLosses: state.trainLosses,
      valLosses: state.valLosses,
      plan,
    };
  } finally {
    await trainSession?.dispose();
    await evalSession?.dispose();
    file.close();
  }
}
