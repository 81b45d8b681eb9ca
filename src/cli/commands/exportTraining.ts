/**
 * @file `smolcode export-training`: writes a cluster training recipe for a folder (see
 * finetune/export): the training set, a TRL + PEFT train.py with our plan's hyperparameters,
 * accelerate configs (CPU, one GPU, DDP, DeepSpeed ZeRO-3, FSDP2), a SLURM script,
 * requirements.txt and a README. The same code as "SmolCode: Export Training Recipe".
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { catalogEntry } from '../../modelStore/catalog';
import { datasetSummary } from '../../finetune/dataset/report';
import { DEFAULT_FIM_RATE } from '../../finetune/dataset/samples/fimSamples';
import { MIN_FIM_TRAIN_SAMPLES } from '../../finetune/fimRecordRule';
import { exportTrainingRecipe, RECIPE_README } from '../../finetune/export/exportRecipe';
import { inProcessStages } from '../../finetune/stages';
import { LORA_TARGETS, parseLoraTargets } from '../../model/lora';
import { resolveTokenizerDir, TOKENIZER_DEFAULT_USAGE } from '../../model/tokenizerFiles';
import { choiceFlag, intFlag, parseFlags, rangeFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';

const DEFAULT_MODELS = { completion: 'SmolLM2-135M', chat: 'SmolLM2-135M-Instruct' } as const;

const USAGE = `Usage: smolcode export-training --workspace DIR --out DIR [--role R] [--model NAME_OR_DIR] [options]

Writes a recipe to fine-tune a LoRA adapter on DIR's code on a GPU machine or a cluster:
the training set (data/, as smolcode dataset writes it), train.py (TRL SFTTrainer + PEFT
LoraConfig, with the hyperparameters smolcode finetune would choose), accelerate configs
(cpu, single_gpu, multi_gpu, zero3, fsdp2), slurm.sbatch, requirements.txt and README.md.

Options:
  --workspace DIR      the folder to train on (required)
  --out DIR            the recipe folder: new, empty, or an earlier recipe (required)
  --role R             completion (code samples, base model; default) or chat (conversations,
                       Instruct model)
  --model NAME_OR_DIR  the base model train.py loads: a Hub id, a catalog name (SmolLM2-360M) or a
                       folder (default ${DEFAULT_MODELS.completion} for completion, ${DEFAULT_MODELS.chat} for chat)
  --fim-rate F         completion role: share of code samples written as fill-in-the-middle samples,
                       0..1 (default ${DEFAULT_FIM_RATE}; 0: none); train.py then records it in the adapter folder
                       when there are at least ${MIN_FIM_TRAIN_SAMPLES} FIM training samples (else a warning says so)
  --gpus N             GPUs per machine in the multi-GPU configs (default 8)
  --tokenizer DIR      the Instruct tokenizer that shapes chat samples (default ${TOKENIZER_DEFAULT_USAGE})
  --steps N | --epochs N, --lr X, --seq-len N, --rank N, --alpha X, --dropout X, --targets LIST (${LORA_TARGETS.join(',')}),
  --seed N             as smolcode finetune; left out, they are sized from the data as it does`;

/** A Hub id for a catalog name, an absolute path for a folder, else the name as given. */
function baseModelFlag(value: string | undefined, role: 'completion' | 'chat'): string {
  const name = value ?? DEFAULT_MODELS[role];
  if (existsSync(name)) return resolve(name);
  try {
    return catalogEntry(name).repo;
  } catch {
    if (!/^[\w.-]+\/[\w.-]+$/.test(name)) throw new UsageError(`--model ${name}: neither a folder, a catalog name (${Object.values(DEFAULT_MODELS).join(', ')}, ...) nor a Hub id (owner/name)`);
    return name;
  }
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = intFlag(value, flag, 0);
  if (n === 0) throw new UsageError(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

export const exportTrainingCommand: CliCommand = {
  name: 'export-training',
  summary: 'write a cluster training recipe (TRL + PEFT + accelerate) with the training set of a folder',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      workspace: { type: 'string' },
      out: { type: 'string' },
      role: { type: 'string' },
      model: { type: 'string' },
      gpus: { type: 'string' },
      'fim-rate': { type: 'string' },
      tokenizer: { type: 'string' },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'seq-len': { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      dropout: { type: 'string' },
      targets: { type: 'string' },
      seed: { type: 'string' },
    });
    if (values.workspace === undefined) throw new UsageError('--workspace DIR is required');
    if (values.out === undefined) throw new UsageError('--out DIR is required');
    if (!existsSync(values.workspace)) throw new UsageError(`--workspace ${values.workspace}: no such folder`);
    if (values.steps !== undefined && values.epochs !== undefined) throw new UsageError('pass --steps or --epochs, not both');
    const role = choiceFlag(values.role, 'role', ['completion', 'chat'] as const, 'completion');
    let targets;
    try {
      targets = values.targets === undefined ? undefined : parseLoraTargets(values.targets.split(',').map((t) => t.trim()).filter(Boolean), '--targets');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const root = resolve(values.workspace);
    const out = resolve(values.out);
    const seqLen = positiveInt(values['seq-len'], 'seq-len');
    if (seqLen !== undefined && seqLen < 2) throw new UsageError(`--seq-len must be at least 2, got ${seqLen}`);
    const interrupt = sigintSignal();
    let last = 0;
    try {
      const result = await exportTrainingRecipe(
        {
          role,
          outDir: out,
          workspace: { name: basename(root), dataset: { workspace: root, fimRate: rangeFlag(values['fim-rate'], 'fim-rate', 0, 1) ?? DEFAULT_FIM_RATE } },
          baseModel: baseModelFlag(values.model, role),
          chatTokenizerDir: resolveTokenizerDir(values.tokenizer),
          gpus: positiveInt(values.gpus, 'gpus'),
          training: {
            steps: positiveInt(values.steps, 'steps'),
            epochs: positive(values.epochs, 'epochs'),
            lr: positive(values.lr, 'lr'),
            seqLen,
            rank: positiveInt(values.rank, 'rank'),
            alpha: positive(values.alpha, 'alpha'),
            dropout: rangeFlag(values.dropout, 'dropout', 0, 1, true),
            targets,
            seed: values.seed === undefined ? undefined : intFlag(values.seed, 'seed', 0),
          },
        },
        (...stage) => inProcessStages.buildDataset(...stage),
        ({ phase, done, total }) => {
          const now = performance.now();
          if (now - last < 1000) return;
          last = now;
          console.error(`[${phase}] ${done}${total === undefined ? '' : `/${total}`} files`);
        },
        interrupt.signal,
      );
      console.log(`training set: ${datasetSummary(result.report)}`);
      console.log(`${role}: ${result.trainSamples} training samples, ${result.valSamples} for validation`);
      if (result.fimNotRecorded) console.warn(`warning: ${result.fimNotRecorded.note}`);
      for (const file of result.files) console.log(`wrote ${file}`);
      console.log(`recipe in ${out}; start with ${resolve(out, RECIPE_README)}`);
      return 0;
    } catch (error) {
      if (interrupt.signal.aborted) {
        console.log('cancelled');
        return 130;
      }
      if (error instanceof Error && /is not empty and holds no earlier recipe/.test(error.message)) throw new UsageError(`--out ${error.message}`);
      throw error;
    } finally {
      interrupt.dispose();
    }
  },
};
