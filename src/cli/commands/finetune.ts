/**
 * @file `smolcode finetune`: trains a LoRA adapter on a JSONL file and writes it in PEFT's
 * format, printing one line per step and evaluation. Ctrl+C stops after the current step with
 * a checkpoint; `--resume` continues from it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LORA_TARGETS, type LoraTarget } from '../../model/lora';
import { OPTIMIZERS } from '../../finetune/optimizer';
import { runFinetune, type FinetuneEvent } from '../../finetune/trainer';
import { choiceFlag, intFlag, parseFlags } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';
import { DEVICES } from '../../runtime/providers';

const USAGE = `Usage: smolcode finetune --model DIR --data FILE.jsonl --out ADAPTER_DIR [options]

Trains a LoRA adapter on FILE.jsonl (lines {"text"}, {"messages"} or {"input_ids", "labels"})
and writes adapter_config.json + adapter_model.safetensors (Hugging Face PEFT format) to
ADAPTER_DIR. The model folder needs config.json, model.safetensors and tokenizer files.
Defaults are sized from the data (see src/finetune/plan.ts).

Options:
  --val FILE.jsonl     validation data: loss before training and ~10 times during it, early stopping
  --steps N | --epochs N   length of training (default: 3 epochs below 1000 samples, 2 below 10000, else 1)
  --lr X               peak learning rate (default 2e-4 for adamw, 1e-2 for sgd)
  --batch-size N       sequences per micro-batch (default 1)
  --grad-accum N       micro-batches per optimizer step (default min(8, samples))
  --seq-len N          tokens per sequence; longer samples are split (default 512)
  --rank N             LoRA rank (default 8)
  --alpha X            LoRA alpha (default 2 x rank)
  --rslora             scale by alpha/sqrt(rank) instead of alpha/rank
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
  --device D           ${DEVICES.join('|')} (default cpu)
  --threads N          CPU threads (default 0: one per physical core)`;

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

/** A number in [min, max) (max excluded when `maxExclusive`), or undefined when the flag is absent. */
function rangeFlag(value: string | undefined, flag: string, min: number, max: number, maxExclusive = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const inRange = value.trim() !== '' && n >= min && (maxExclusive ? n < max : n <= max);
  if (!inRange) throw new UsageError(`--${flag} must be a number from ${min} to ${maxExclusive ? 'under ' : ''}${max}, got "${value}"`);
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
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(LORA_TARGETS as readonly string[]).includes(s));
  if (bad.length > 0 || items.length === 0) throw new UsageError(`--targets must be a comma-separated list of ${LORA_TARGETS.join(', ')}; got "${value}"`);
  return LORA_TARGETS.filter((t) => items.includes(t));
}

function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.floor(s / 60)}m${Math.round(s % 60).toString().padStart(2, '0')}s` : `${Math.round(s)}s`;
}

function printEvent(event: FinetuneEvent): void {
  switch (event.type) {
    case 'start': {
      const p = event.plan;
      console.log(
        `training ${p.steps} steps (${p.epochs.toFixed(2)} epochs) on ${event.trainSamples} sequences, ${event.valSamples} for validation; ` +
          `batch ${p.batchSize} x ${p.gradAccum}, seq ${p.seqLen}, r=${p.lora.rank}, alpha=${p.lora.alpha}, ${p.optimizer} lr ${p.lr}, ` +
          `weight decay ${p.weightDecay}, warmup ${p.warmupSteps} steps, max grad norm ${p.maxGradNorm > 0 ? p.maxGradNorm : 'off'}, ${event.provider}` +
          (event.resumedAtStep > 0 ? `; resumed at step ${event.resumedAtStep}` : ''),
      );
      return;
    }
    case 'step':
      console.log(
        `step ${event.step}/${event.totalSteps}  loss ${event.loss.toFixed(4)}  lr ${event.lr.toExponential(2)}  ` +
          `|g| ${event.gradNorm.toFixed(3)}  ${Math.round(event.tokensPerSecond)} tok/s  eta ${formatSeconds(event.etaSeconds)}`,
      );
      return;
    case 'eval':
      console.log(`eval at step ${event.step}: validation loss ${event.valLoss.toFixed(4)}${event.improved ? ' (best)' : ''}`);
      return;
    case 'checkpoint':
      return;
  }
}

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: 'train a LoRA adapter (PEFT format) on a JSONL data file',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      model: { type: 'string' },
      data: { type: 'string' },
      val: { type: 'string' },
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
    for (const flag of ['model', 'data', 'out'] as const) if (!values[flag]) throw new UsageError(`--${flag} is required`);
    if (values.steps !== undefined && values.epochs !== undefined) throw new UsageError('pass --steps or --epochs, not both');
    for (const flag of ['data', 'val'] as const) {
      if (values[flag] !== undefined && !existsSync(values[flag])) throw new UsageError(`--${flag} ${values[flag]}: no such file`);
    }
    const interrupt = sigintSignal();
    try {
      const result = await runFinetune(
        {
          modelDir: resolve(values.model!),
          dataPath: resolve(values.data!),
          valPath: values.val ? resolve(values.val) : undefined,
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
        },
        { signal: interrupt.signal, onProgress: printEvent },
      );
      if (result.status === 'cancelled') {
        console.log(`cancelled at step ${result.steps}; continue with --resume`);
        return 130;
      }
      const val = result.initialValLoss !== null ? `; validation loss ${result.initialValLoss.toFixed(4)} -> ${result.bestValLoss!.toFixed(4)}` : '';
      console.log(`${result.status} after ${result.steps} steps${val}; adapter in ${result.outDir}`);
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
};
