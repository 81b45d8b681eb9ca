/**
 * @file `smolcode finetune`: trains a LoRA adapter on a JSONL file and writes it in PEFT's
 * format, printing one line per step and evaluation; or, with `--workspace`, runs the whole
 * pipeline the editor's "Fine-tune on This Workspace" runs (finetune/run.ts, the same code):
 * training set, training, merge and report. Ctrl+C stops after the current step with a
 * checkpoint; `--resume` continues from it.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { datasetSummary } from '../../finetune/dataset/report';
import { DEFAULT_FIM_RATE } from '../../finetune/dataset/samples/fimSamples';
import { smallTrainingSetWarning } from '../../finetune/dataset/shortfall';
import { fimSamplesIn } from '../../finetune/fimData';
import { fimOutcome, MIN_FIM_TRAIN_SAMPLES } from '../../finetune/fimRecordRule';
import { FIM_RECORD_FILE } from '../../model/fim';
import { OPTIMIZERS } from '../../finetune/optimizer';
import { formatDuration } from '../../finetune/progressText';
import { runFinetunePipeline } from '../../finetune/run';
import { REPORT_FILE } from '../../finetune/runReport';
import { inProcessStages, type DatasetProgress } from '../../finetune/stages';
import { TRAINING_MEMORY_MODES } from '../../finetune/trainingMemory';
import { runFinetune, type FinetuneEvent } from '../../finetune/trainer';
import { ONNX_VARIANTS } from '../../model/configTypes';
import { LORA_TARGETS, parseLoraTargets, type LoraTarget } from '../../model/lora';
import { resolveTokenizerDir, TOKENIZER_DEFAULT_USAGE } from '../../model/tokenizerFiles';
import { choiceFlag, intFlag, parseFlags, rangeFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';
import { DEVICES } from '../../runtime/providers';

const USAGE = `Usage: smolcode finetune --model DIR --data FILE.jsonl --out ADAPTER_DIR [options]
       smolcode finetune --model DIR --workspace DIR --out ADAPTER_DIR [--role R] [options]

Trains a LoRA adapter on FILE.jsonl (lines {"text"}, {"messages"} or {"input_ids", "labels"})
and writes adapter_config.json + adapter_model.safetensors (Hugging Face PEFT format) to
ADAPTER_DIR. When {"text"} lines hold fill-in-the-middle samples in SmolCode's format
(smolcode dataset --fim-rate), ADAPTER_DIR also gets smolcode_fim.json with their share, and
completions with the adapter use the FIM template; with fewer than ${MIN_FIM_TRAIN_SAMPLES} FIM samples it does not
(too few leave an adapter that answers FIM prompts with nothing) and says so. The model folder needs config.json and model.safetensors; its tokenizer files,
else ${TOKENIZER_DEFAULT_USAGE}. Defaults are sized from the data (see src/finetune/plan.ts).

With --workspace, runs what the editor's "Fine-tune on This Workspace" runs: builds the
training set from DIR into ADAPTER_DIR/dataset (the defaults of smolcode dataset), trains on the
role's samples with the validation split, merges the adapter into ADAPTER_DIR/onnx, and writes
report.md, loss.svg and smolcode_run.json there.

Options:
  --val FILE.jsonl     validation data: loss before training and ~10 times during it, early stopping
  --workspace DIR      build the training set from DIR and run the whole pipeline (not with --data or --val)
  --role R             with --workspace: completion (code samples; default) or chat (conversations;
                       train an Instruct model)
  --merge-dtype D      with --workspace: the ONNX variant the adapter is merged into (default fp32)
  --fim-rate F         with --workspace and the completion role: share of code samples written as
                       fill-in-the-middle samples, 0..1 (default ${DEFAULT_FIM_RATE}; 0: none). The adapter folder
                       then records it (smolcode_fim.json; from ${MIN_FIM_TRAIN_SAMPLES} FIM training samples on) and
                       completions use the FIM template
  --tokenizer DIR      with --workspace: the Instruct tokenizer that shapes chat samples
                       (default ${TOKENIZER_DEFAULT_USAGE})
  --steps N | --epochs N   length of training (default: 3 epochs below 1000 samples, 2 below 10000, else 1)
  --lr X               peak learning rate (default 1e-3 for adamw, 1e-2 for sgd)
  --batch-size N       sequences per micro-batch (default 1)
  --grad-accum N       micro-batches per optimizer step (default min(8, samples))
  --seq-len N          tokens per sequence; longer samples are split (default 512)
  --rank N             LoRA rank (default 8)
  --alpha X            LoRA alpha (default 2 x rank)
  --rslora             scale by alpha/sqrt(rank) instead of alpha/rank
  --dropout X          LoRA dropout on each adapted layer's input while training, as PEFT's
                       lora_dropout, from 0 to under 1 (default 0)
  --targets LIST       comma-separated of ${LORA_TARGETS.join(',')} (default all)
  --optimizer NAME     ${OPTIMIZERS.join(' | ')} (default adamw)
  --weight-decay X     decoupled weight decay (default 0.01 for adamw, 0 for sgd)
  --warmup-ratio X     share of the steps with a linear learning-rate warmup, from 0 to under 1
                       (default 0.05, at least 1 step from 20 steps on), then cosine decay to 0
  --max-grad-norm X    clip the gradients' global L2 norm to X, as Hugging Face's Trainer does
                       (default 1.0; 0 disables clipping)
  --no-shuffle         keep the data order
  --seed N             seed of LoRA init and data order (default 42)
  --init-adapter DIR   start from an existing PEFT adapter (its rank, alpha and targets)
  --resume             continue from ADAPTER_DIR's checkpoint
  --memory M           auto | low | fast: low recomputes each layer in backward (about 0.4 of
                       the memory, a quarter slower), fast stores activations; auto (default) runs
                       fast when its estimate is within a quarter of this machine's memory
  --device D           ${DEVICES.join('|')} (default cpu)
  --threads N          CPU threads (default 0: one per physical core)`;

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

function positiveIntFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = intFlag(value, flag, 0);
  if (n === 0) throw new UsageError(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

function parseTargets(value: string | undefined): LoraTarget[] | undefined {
  if (value === undefined) return undefined;
  try {
    return parseLoraTargets(value.split(',').map((t) => t.trim()).filter(Boolean), '--targets');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function printEvent(event: FinetuneEvent): void {
  switch (event.type) {
    case 'start': {
      const p = event.plan;
      console.log(
        `training ${p.steps} steps (${p.epochs.toFixed(2)} epochs) on ${event.trainSamples} sequences, ${event.valSamples} for validation; ` +
          `batch ${p.batchSize} x ${p.gradAccum}, seq ${p.seqLen}, r=${p.lora.rank}, alpha=${p.lora.alpha}, ${p.optimizer} lr ${p.lr}, ` +
          `weight decay ${p.weightDecay}, warmup ${p.warmupSteps} steps, max grad norm ${p.maxGradNorm > 0 ? p.maxGradNorm : 'off'}, ${event.provider}` +
          (event.resumedAtStep > 0 ? `; resumed at step ${event.resumedAtStep}` : '') +
          `\nmemory: ${event.memory.mode} (${event.memory.reason})`,
      );
      return;
    }
    case 'step':
      console.log(
        `step ${event.step}/${event.totalSteps}  loss ${event.loss.toFixed(4)}  lr ${event.lr.toExponential(2)}  ` +
          `|g| ${event.gradNorm.toFixed(3)}  ${Math.round(event.tokensPerSecond)} tok/s  eta ${formatDuration(event.etaSeconds)}`,
      );
      return;
    case 'eval':
      console.log(`eval at step ${event.step}: validation loss ${event.valLoss.toFixed(4)}${event.improved ? ' (best)' : ''}`);
      return;
    case 'checkpoint':
      return;
  }
}

/** One line per dataset phase change or second, as `smolcode dataset` prints them. */
function datasetPrinter(): (progress: DatasetProgress) => void {
  let last = 0;
  return ({ phase, done, total }) => {
    const now = performance.now();
    if (now - last < 1000) return;
    last = now;
    console.log(`[${phase}] ${done}${total === undefined ? '' : `/${total}`} files`);
  };
}

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: 'train a LoRA adapter (PEFT format) on a JSONL data file, or run the whole pipeline on a folder',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      model: { type: 'string' },
      data: { type: 'string' },
      val: { type: 'string' },
      workspace: { type: 'string' },
      role: { type: 'string' },
      'merge-dtype': { type: 'string' },
      'fim-rate': { type: 'string' },
      tokenizer: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      'grad-accum': { type: 'string' },
      'seq-len': { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      rslora: { type: 'boolean' },
      dropout: { type: 'string' },
      memory: { type: 'string' },
      targets: { type: 'string' },
      optimizer: { type: 'string' },
      'weight-decay': { type: 'string' },
      'warmup-ratio': { type: 'string' },
      'max-grad-norm': { type: 'string' },
      'no-shuffle': { type: 'boolean' },
      seed: { type: 'string' },
      'init-adapter': { type: 'string' },
      resume: { type: 'boolean' },
      device: { type: 'string' },
      threads: { type: 'string' },
    });
    const workspace = values.workspace;
    for (const flag of ['model', 'out'] as const) if (!values[flag]) throw new UsageError(`--${flag} is required`);
    if (workspace === undefined && !values.data) throw new UsageError('--data FILE.jsonl or --workspace DIR is required');
    if (workspace !== undefined && (values.data !== undefined || values.val !== undefined)) throw new UsageError('--workspace builds its own data: pass it without --data and --val');
    if (workspace === undefined) {
      for (const flag of ['role', 'merge-dtype', 'tokenizer', 'fim-rate'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with --workspace`);
    }
    if (values.steps !== undefined && values.epochs !== undefined) throw new UsageError('pass --steps or --epochs, not both');
    for (const flag of ['data', 'val'] as const) {
      if (values[flag] !== undefined && !existsSync(values[flag])) throw new UsageError(`--${flag} ${values[flag]}: no such file`);
    }
    if (workspace !== undefined && !existsSync(workspace)) throw new UsageError(`--workspace ${workspace}: no such folder`);
    const training = {
      modelDir: resolve(values.model!),
      outDir: resolve(values.out!),
      steps: positiveIntFlag(values.steps, 'steps'),
      epochs: numberFlag(values.epochs, 'epochs'),
      lr: numberFlag(values.lr, 'lr'),
      batchSize: positiveIntFlag(values['batch-size'], 'batch-size'),
      gradAccum: positiveIntFlag(values['grad-accum'], 'grad-accum'),
      seqLen: positiveIntFlag(values['seq-len'], 'seq-len'),
      rank: positiveIntFlag(values.rank, 'rank'),
      alpha: numberFlag(values.alpha, 'alpha'),
      useRslora: values.rslora,
      dropout: rangeFlag(values.dropout, 'dropout', 0, 1, true),
      memory: choiceFlag(values.memory, 'memory', TRAINING_MEMORY_MODES, 'auto'),
      targets: parseTargets(values.targets),
      optimizer: choiceFlag(values.optimizer, 'optimizer', OPTIMIZERS, 'adamw'),
      weightDecay: rangeFlag(values['weight-decay'], 'weight-decay', 0, 1),
      warmupRatio: rangeFlag(values['warmup-ratio'], 'warmup-ratio', 0, 1, true),
      maxGradNorm: rangeFlag(values['max-grad-norm'], 'max-grad-norm', 0, Number.MAX_VALUE),
      shuffle: !values['no-shuffle'],
      seed: values.seed === undefined ? undefined : intFlag(values.seed, 'seed', 0),
      initAdapter: values['init-adapter'] ? resolve(values['init-adapter']) : undefined,
      resume: values.resume,
      device: choiceFlag(values.device, 'device', DEVICES, 'cpu'),
      threads: intFlag(values.threads, 'threads', 0),
    };
    const interrupt = sigintSignal();
    try {
      if (workspace !== undefined) {
        const root = resolve(workspace);
        const variant = choiceFlag(values['merge-dtype'], 'merge-dtype', ONNX_VARIANTS, 'fp32');
        const printDataset = datasetPrinter();
        const summary = await runFinetunePipeline(
          {
            role: choiceFlag(values.role, 'role', ['completion', 'chat'] as const, 'completion'),
            workspace: { name: basename(root), dataset: { workspace: root, out: join(training.outDir, 'dataset'), fimRate: rangeFlag(values['fim-rate'], 'fim-rate', 0, 1) ?? DEFAULT_FIM_RATE } },
            baseModelName: training.modelDir,
            chatTokenizerDir: resolveTokenizerDir(values.tokenizer),
            training,
            merge: { variant, dtype: variant },
          },
          inProcessStages,
          (event) => {
            if (event.type === 'dataset') printDataset(event.progress);
            else if (event.type === 'dataset-built') {
              console.log(`training set: ${datasetSummary(event.report)}`);
              const warning = smallTrainingSetWarning(event.report);
              if (warning) console.warn(`warning: ${warning}`);
            }
            else if (event.type === 'training') printEvent(event.event);
            else console.log(`merging the adapter into ${event.progress.variant}`);
          },
          interrupt.signal,
        );
        const val = summary.initialValLoss !== null ? `; validation loss ${summary.initialValLoss.toFixed(4)} -> ${summary.bestValLoss!.toFixed(4)}` : '';
        if (summary.fimNotRecorded) console.warn(`warning: ${summary.fimNotRecorded.note}`);
        console.log(`${summary.status} after ${summary.steps} steps${val}; report in ${join(training.outDir, REPORT_FILE)}`);
        return 0;
      }
      const result = await runFinetune(
        { ...training, dataPath: resolve(values.data!), valPath: values.val ? resolve(values.val) : undefined },
        { signal: interrupt.signal, onProgress: printEvent },
      );
      if (result.status === 'cancelled') {
        console.log(`cancelled at step ${result.steps}; continue with --resume`);
        return 130;
      }
      const val = result.initialValLoss !== null ? `; validation loss ${result.initialValLoss.toFixed(4)} -> ${result.bestValLoss!.toFixed(4)}` : '';
      console.log(`${result.status} after ${result.steps} steps${val}; adapter in ${result.outDir}`);
      // Data in SmolCode's FIM format (smolcode dataset --fim-rate) makes an adapter that the completion template must prompt in it.
      const { fim, text } = fimSamplesIn(resolve(values.data!));
      const { record, notRecorded } = fimOutcome(text > 0 ? fim / text : 0, fim);
      if (record) {
        writeFileSync(join(result.outDir, FIM_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
        console.log(`fill-in-the-middle: ${fim} of ${text} text samples; recorded in ${join(result.outDir, FIM_RECORD_FILE)}`);
      } else {
        rmSync(join(result.outDir, FIM_RECORD_FILE), { force: true });
        if (notRecorded) console.warn(`warning: ${notRecorded.note}`);
      }
      return 0;
    } catch (error) {
      if (!interrupt.signal.aborted) throw error;
      console.log('cancelled; the training checkpoint is kept: continue with --resume');
      return 130;
    } finally {
      interrupt.dispose();
    }
  },
};
