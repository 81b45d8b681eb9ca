/**
 * @file The LoRA trainer: reads the data, sizes the plan (plan.ts), builds the training and
 * evaluation graphs once for the fixed micro-batch shape, then loops over the phases of
 * trainingRun.ts: evaluate when owed, stop early when validation stopped improving, checkpoint,
 * step. A run stopped at any point (cancel, crash, kill) and resumed from its checkpoint ends
 * with the same adapter bytes as an uninterrupted run, because all state is saved exactly and
 * every computation is deterministic.
 */
import { chooseTrainingMemory, type TrainingMemoryChoice } from './trainingMemory';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tokenizerDir } from '../runtime/modelFiles';
import { loadTokenizer } from '../runtime/tokenizer';
import type { ModelConfig } from '../model/config';
import { readModelFolderConfig } from '../model/configBounds';
import { SafetensorsFile } from '../graph/safetensors';
import { safetensorsSource } from '../model/weights';
import { loadAdapter, saveAdapter } from './adapter';
import { loadCheckpoint, planMismatches } from './checkpoint';
import { readSamples, type TokenizedSample } from './data';
import { LoraGraphSession, readFrozenWeights } from './graphSession';
import { initLoraWeights, loraModules } from '../model/lora';
import { defaultSeqLen, resolvePlan, type FinetuneOptions, type TrainingPlan } from './plan';
import { TrainingRun } from './trainingRun';
import { checkFiniteLoss } from './divergence';
import { architectureFor } from '../model/registry';
import { tokenizerDirFromEnv } from '../env';

/** Progress reported while training. */
export type FinetuneEvent =
  | { readonly type: 'start'; readonly plan: TrainingPlan; readonly trainSamples: number; readonly valSamples: number; readonly resumedAtStep: number; readonly provider: string; readonly memory: TrainingMemoryChoice }
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

/** Loads the model's config, float weights file and tokenizer-based data. */
async function prepare(options: FinetuneOptions): Promise<{ config: ModelConfig; train: TokenizedSample[]; val: TokenizedSample[]; seqLen: number }> {
  const config = readModelFolderConfig(options.modelDir);
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
  const arch = architectureFor(config);
  const init = options.initAdapter ? loadAdapter(options.initAdapter, config) : undefined;
  const plan = resolvePlan({ ...options, targets: options.targets ?? arch.loraTargets }, train.length, seqLen, init?.lora);
  const run = resumeOrStart(options, outDir, plan, init?.weights ?? initLoraWeights(loraModules(config, plan.lora), plan.seed));

  const file = SafetensorsFile.open(join(options.modelDir, 'model.safetensors'));
  const memory = chooseTrainingMemory(options.memory ?? 'auto', config, { seqLen, batchSize: plan.batchSize, dropout: plan.lora.dropout ?? 0, validation: val.length > 0 });
  const sessionOptions = { device: options.device ?? 'cpu', threads: options.threads ?? 0, prepack: memory.prepack } as const;
  // A resumed run draws its dropout masks afresh from the seed: the same distribution, not the same masks.
  const graphOptions = {
    batchSize: plan.batchSize,
    seqLen,
    lora: plan.lora,
    dropoutSeed: plan.seed,
    recompute: memory.recompute,
    storeLogProbs: memory.storeLogProbs,
    frozenInputs: memory.shareFrozenWeights,
  };
  let trainSession: LoraGraphSession | undefined;
  let evalSession: LoraGraphSession | undefined;
  try {
    const weights = safetensorsSource(file);
    const trainGraph = arch.buildTrainingGraph(config, weights, { ...graphOptions, gradients: true });
    const evalGraph = val.length > 0 ? arch.buildTrainingGraph(config, weights, { ...graphOptions, gradients: false, recompute: false }) : undefined;
    const frozen = memory.shareFrozenWeights ? readFrozenWeights(evalGraph ? [trainGraph, evalGraph] : [trainGraph], weights) : undefined;
    trainSession = await LoraGraphSession.open(trainGraph, { ...sessionOptions, frozen });
    // Validation is a small share of the work: its weights stay unpacked, a packed copy fewer.
    if (evalGraph) evalSession = await LoraGraphSession.open(evalGraph, { ...sessionOptions, prepack: false, frozen });
    onProgress?.({ type: 'start', plan, trainSamples: train.length, valSamples: val.length, resumedAtStep: run.state.step, provider: trainSession.provider, memory });

    const checkpoint = () => onProgress?.({ type: 'checkpoint', step: run.state.step, path: run.checkpoint(outDir) });
    let status: FinetuneResult['status'] = 'completed';
    const started = performance.now();
    const startStep = run.state.step;
    try {
      for (;;) {
        if (evalSession && run.evaluationOwed()) {
          const { loss, improved } = await run.evaluate(evalSession, val, signal);
          checkFiniteLoss('validation', run.state.step, loss, plan.lr);
          onProgress?.({ type: 'eval', step: run.state.step, valLoss: loss, improved });
        }
        if (evalSession && run.stopsEarly()) {
          status = 'early-stopped';
          break;
        }
        if (run.state.step >= plan.steps) break;
        if (run.state.step > startStep && run.state.step % plan.checkpointEvery === 0) checkpoint();
        signal?.throwIfAborted();
        const stepStart = performance.now();
        const outcome = await run.step(trainSession, train, signal);
        checkFiniteLoss('training', run.state.step, outcome.loss, plan.lr);
        const now = performance.now();
        const { step, epoch, cursor } = run.state;
        onProgress?.({
          type: 'step',
          step,
          totalSteps: plan.steps,
          epoch: epoch + cursor / train.length,
          loss: outcome.loss,
          lr: outcome.lr,
          gradNorm: outcome.gradNorm,
          tokensPerSecond: outcome.tokens / ((now - stepStart) / 1000),
          etaSeconds: ((now - started) / 1000 / (step - startStep)) * (plan.steps - step),
        });
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
      // Cancelled: a step in flight is dropped; the checkpoint holds the last finished step.
      status = 'cancelled';
    }
    checkpoint();

    const state = run.state;
    const adapterWritten = status !== 'cancelled';
    if (adapterWritten) {
      saveAdapter(outDir, { lora: plan.lora, baseModel: resolve(options.modelDir), weights: run.adapterWeights(evalSession !== undefined) });
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

/** The run saved in `outDir` when resuming and a checkpoint is there, else a fresh one from `initial`. */
function resumeOrStart(options: FinetuneOptions, outDir: string, plan: TrainingPlan, initial: ReadonlyMap<string, Float32Array>): TrainingRun {
  const saved = options.resume ? loadCheckpoint(outDir) : undefined;
  if (!saved) return TrainingRun.start(plan, initial);
  const mismatches = planMismatches(saved.plan, plan);
  if (mismatches.length > 0) throw new Error(`cannot resume ${outDir}: the checkpoint was made with other settings (${mismatches.join('; ')})`);
  return TrainingRun.resume(plan, saved);
}
